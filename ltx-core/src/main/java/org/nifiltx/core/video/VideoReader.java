package org.nifiltx.core.video;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Reads back what {@link VideoWriter} writes (tests, and video or image-sequence input for image-to-video): MP4 via
 * jcodec, GIF and PNG via ImageIO, raw bundles via safetensors. Frames come back as uint8 RGB [F,H,W,3].
 */
public final class VideoReader {
    private static final String GIF_METADATA = "javax_imageio_gif_image_1.0";

    private VideoReader() {
    }

    public static DecodedVideo read(final Path input) {
        if (!Files.exists(input)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "video " + input + " does not exist");
        }
        final VideoFormat format = VideoFormat.fromPath(input);
        try {
            return switch (format) {
                case MP4 -> Mp4Decoder.read(input);
                case GIF -> readGif(input);
                case PNG_ZIP -> readPngZip(input);
                case PNG_DIRECTORY -> readPngDirectory(input);
                case RAW_BUNDLE -> readRawBundle(input);
            };
        } catch (final IOException | RuntimeException e) {
            if (e instanceof LtxException ltx) {
                throw ltx;
            }
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "cannot read " + format + " video " + input + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Draws each GIF frame at its offset onto a canvas the size of the logical screen, which is exact for the full
     * frames this project writes; disposal methods other than "leave in place" are not honoured.
     */
    private static DecodedVideo readGif(final Path file) throws IOException {
        final Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("gif");
        if (!readers.hasNext()) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "this JDK has no ImageIO GIF reader");
        }
        final ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            reader.setInput(in, false);
            final int count = reader.getNumImages(true);
            BufferedImage canvas = null;
            byte[] pixels = null;
            int delay = -1;
            for (int frame = 0; frame < count; frame++) {
                final BufferedImage image = reader.read(frame);
                final IIOMetadataNode root =
                        (IIOMetadataNode) reader.getImageMetadata(frame).getAsTree(GIF_METADATA);
                final IIOMetadataNode descriptor = (IIOMetadataNode) root.getElementsByTagName("ImageDescriptor").item(0);
                if (canvas == null) {
                    canvas = new BufferedImage(screenWidth(reader, image), screenHeight(reader, image),
                            BufferedImage.TYPE_INT_RGB);
                    pixels = new byte[count * canvas.getWidth() * canvas.getHeight() * 3];
                }
                final Graphics2D graphics = canvas.createGraphics();
                graphics.drawImage(image, Integer.parseInt(descriptor.getAttribute("imageLeftPosition")),
                        Integer.parseInt(descriptor.getAttribute("imageTopPosition")), null);
                graphics.dispose();
                ImageLoader.copyRgb(canvas, pixels, frame * canvas.getWidth() * canvas.getHeight() * 3);
                final IIOMetadataNode control =
                        (IIOMetadataNode) root.getElementsByTagName("GraphicControlExtension").item(0);
                if (frame == 0 && control != null) {
                    delay = Integer.parseInt(control.getAttribute("delayTime"));
                }
            }
            if (canvas == null) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE, "GIF file " + file + " holds no frames");
            }
            final Tensor frames = Tensor.ofBytes(DType.U8,
                    new long[] {count, canvas.getHeight(), canvas.getWidth(), 3}, pixels);
            return new DecodedVideo(frames, delay > 0 ? new FrameRate(100, delay) : null);
        } finally {
            reader.dispose();
        }
    }

    private static int screenWidth(final ImageReader reader, final BufferedImage first) throws IOException {
        final IIOMetadataNode screen = logicalScreen(reader);
        return screen == null ? first.getWidth() : Integer.parseInt(screen.getAttribute("logicalScreenWidth"));
    }

    private static int screenHeight(final ImageReader reader, final BufferedImage first) throws IOException {
        final IIOMetadataNode screen = logicalScreen(reader);
        return screen == null ? first.getHeight() : Integer.parseInt(screen.getAttribute("logicalScreenHeight"));
    }

    private static IIOMetadataNode logicalScreen(final ImageReader reader) throws IOException {
        final IIOMetadataNode root = (IIOMetadataNode) reader.getStreamMetadata()
                .getAsTree("javax_imageio_gif_stream_1.0");
        return (IIOMetadataNode) root.getElementsByTagName("LogicalScreenDescriptor").item(0);
    }

    private static DecodedVideo readPngDirectory(final Path directory) throws IOException {
        final List<BufferedImage> images = new ArrayList<>();
        try (Stream<Path> entries = Files.list(directory)) {
            for (final Path frame : entries.filter(VideoReader::isFrameFile).sorted().toList()) {
                try (InputStream in = Files.newInputStream(frame)) {
                    images.add(ImageLoader.decode(in, frame.toString()));
                }
            }
        }
        return stack(images, directory);
    }

    private static DecodedVideo readPngZip(final Path file) throws IOException {
        // Sorted by name: zip order is whatever the writer chose.
        final TreeMap<String, BufferedImage> byName = new TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                if (!entry.isDirectory() && entry.getName().toLowerCase(Locale.ROOT).endsWith(".png")) {
                    final byte[] bytes = zip.readAllBytes();
                    byName.put(entry.getName(), ImageLoader.decode(new ByteArrayInputStream(bytes), entry.getName()));
                }
            }
        }
        return stack(new ArrayList<>(byName.values()), file);
    }

    private static boolean isFrameFile(final Path path) {
        return Files.isRegularFile(path) && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png");
    }

    private static DecodedVideo stack(final List<BufferedImage> images, final Path source) {
        if (images.isEmpty()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "PNG frame sequence " + source + " holds no .png files");
        }
        final int width = images.get(0).getWidth();
        final int height = images.get(0).getHeight();
        final byte[] pixels = new byte[images.size() * width * height * 3];
        for (int frame = 0; frame < images.size(); frame++) {
            final BufferedImage image = images.get(frame);
            if (image.getWidth() != width || image.getHeight() != height) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE, "PNG frame " + frame + " of " + source + " is "
                        + image.getWidth() + "x" + image.getHeight() + " but frame 0 is " + width + "x" + height);
            }
            ImageLoader.copyRgb(image, pixels, frame * width * height * 3);
        }
        final Tensor frames = Tensor.ofBytes(DType.U8, new long[] {images.size(), height, width, 3}, pixels);
        return new DecodedVideo(frames, null);
    }

    private static DecodedVideo readRawBundle(final Path file) {
        final TensorBundle bundle = SafeTensors.read(file);
        final Tensor frames = bundle.get(VideoWriter.FRAMES_TENSOR);
        final String rate = bundle.metadata().get("frame_rate");
        return new DecodedVideo(frames, rate == null ? null : parseRate(rate));
    }

    private static FrameRate parseRate(final String text) {
        final int slash = text.indexOf('/');
        return slash < 0 ? new FrameRate(Integer.parseInt(text), 1)
                : new FrameRate(Integer.parseInt(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
    }
}
