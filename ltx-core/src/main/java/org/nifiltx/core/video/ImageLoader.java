package org.nifiltx.core.video;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/** Loads a still image (PNG, JPEG, GIF first frame, BMP: whatever ImageIO reads) as uint8 RGB [H,W,3]. */
public final class ImageLoader {
    private ImageLoader() {
    }

    /** The image at {@code file} as uint8 RGB [H,W,3]; alpha is dropped, grey and palette images are expanded. */
    public static Tensor loadRgb(final Path file) {
        if (!Files.isRegularFile(file)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "image file " + file + " does not exist");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return toRgb(decode(in, file.toString()));
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The most pixels an input image may have: an 8K frame (7680x4320) fits, and decoding one this size takes about
     * 4 bytes a pixel of heap (ImageIO's raster) plus 3 for the RGB tensor.
     */
    public static final long MAX_PIXELS = 1L << 25;

    /**
     * The encoded image in {@code content} (e.g. a NiFi FlowFile's content) as uint8 RGB [H,W,3]; {@code name} says
     * where it came from in error messages.
     */
    public static Tensor loadRgb(final byte[] content, final String name) {
        return loadRgb(new ByteArrayInputStream(content), name);
    }

    /**
     * The encoded image read from {@code in}, which is not closed. Its size is read from the header first, so an image
     * of more than {@link #MAX_PIXELS} is refused before any pixel memory is allocated.
     */
    public static Tensor loadRgb(final InputStream in, final String name) {
        try {
            return toRgb(decode(in, name));
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "cannot read image " + name + ": " + e.getMessage(), e);
        }
    }

    static BufferedImage decode(final InputStream in, final String name) throws IOException {
        try (ImageInputStream input = ImageIO.createImageInputStream(in)) {
            final Iterator<ImageReader> readers = input == null ? null : ImageIO.getImageReaders(input);
            if (readers == null || !readers.hasNext()) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                        "image " + name + " is not in a format ImageIO can read (PNG, JPEG, GIF, BMP)");
            }
            final ImageReader reader = readers.next();
            try {
                reader.setInput(input, true, true);
                final long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "image " + name + " is " + reader.getWidth(0) + "x"
                            + reader.getHeight(0) + ", " + pixels + " pixels; an input image may have at most " + MAX_PIXELS
                            + " (8K)");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        }
    }

    /** {@code image} as uint8 RGB [H,W,3]; getRGB converts any colour model to sRGB for us. */
    static Tensor toRgb(final BufferedImage image) {
        final int width = image.getWidth();
        final int height = image.getHeight();
        final byte[] bytes = new byte[width * height * 3];
        copyRgb(image, bytes, 0);
        return Tensor.ofBytes(DType.U8, new long[] {height, width, 3}, bytes);
    }

    /** Writes {@code image}'s pixels as packed RGB into {@code target} from {@code offset}. */
    static void copyRgb(final BufferedImage image, final byte[] target, final int offset) {
        final int width = image.getWidth();
        final int[] row = new int[width];
        int position = offset;
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            for (int x = 0; x < width; x++) {
                target[position++] = (byte) (row[x] >> 16);
                target[position++] = (byte) (row[x] >> 8);
                target[position++] = (byte) row[x];
            }
        }
    }
}
