package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

class ImageLoaderTest {
    @TempDir
    Path directory;

    @Test
    void pngLoadsExactly() {
        final Tensor frames = TestFrames.noise(1, 13, 7, 6);
        VideoWriter.write(directory.resolve("frames"), frames, 24.0, Map.of());

        final Tensor image = ImageLoader.loadRgb(directory.resolve("frames").resolve("frame_00000.png"));

        assertEquals(DType.U8, image.dtype());
        assertArrayEquals(new long[] {7, 13, 3}, image.shape());
        assertArrayEquals(frames.toByteArray(), image.toByteArray());
    }

    @Test
    void jpegLoadsWithItsSize() throws Exception {
        final Path jpeg = directory.resolve("still.jpg");
        ImageIO.write(RgbFrames.of(TestFrames.smoothPattern(1, 40, 30)).image(0), "jpeg", jpeg.toFile());

        final Tensor image = ImageLoader.loadRgb(jpeg);

        assertArrayEquals(new long[] {30, 40, 3}, image.shape());
        assertTrue(30.0 <= TestFrames.psnr(TestFrames.smoothPattern(1, 40, 30),
                image.reshape(1, 30, 40, 3), 0));
    }

    @Test
    void missingAndUnreadableFilesAreReported() throws Exception {
        final Path missing = directory.resolve("missing.png");
        final LtxException notFound = assertThrows(LtxException.class, () -> ImageLoader.loadRgb(missing));
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, notFound.code());
        assertEquals("image file " + missing + " does not exist", notFound.getMessage());

        final Path text = directory.resolve("note.png");
        Files.writeString(text, "not an image");
        final LtxException corrupt = assertThrows(LtxException.class, () -> ImageLoader.loadRgb(text));
        assertEquals(LtxErrorCode.CORRUPT_FILE, corrupt.code());
        assertEquals("image " + text + " is not in a format ImageIO can read (PNG, JPEG, GIF, BMP)",
                corrupt.getMessage());
    }

    @Test
    void bytesLoadLikeTheFileAndNameTheSourceInErrors() throws Exception {
        final Tensor frames = TestFrames.noise(1, 13, 7, 6);
        VideoWriter.write(directory.resolve("frames"), frames, 24.0, Map.of());
        final byte[] png = Files.readAllBytes(directory.resolve("frames").resolve("frame_00000.png"));

        final Tensor image = ImageLoader.loadRgb(png, "<upload>");

        assertArrayEquals(new long[] {7, 13, 3}, image.shape());
        assertArrayEquals(frames.toByteArray(), image.toByteArray());
        final LtxException corrupt = assertThrows(LtxException.class,
                () -> ImageLoader.loadRgb("not an image".getBytes(StandardCharsets.US_ASCII), "<upload>"));
        assertEquals(LtxErrorCode.CORRUPT_FILE, corrupt.code());
        assertEquals("image <upload> is not in a format ImageIO can read (PNG, JPEG, GIF, BMP)", corrupt.getMessage());
    }

    @Test
    void anImageOfMoreThanMaxPixelsIsRefusedFromItsHeader() throws Exception {
        // 8193x4097 is just above 2^25 pixels; one bit a pixel keeps the test image small
        final java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(8193, 4097,
                java.awt.image.BufferedImage.TYPE_BYTE_BINARY);
        final java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        assertTrue(ImageIO.write(big, "png", png));
        final java.io.ByteArrayInputStream content = new java.io.ByteArrayInputStream(png.toByteArray());

        final LtxException e = assertThrows(LtxException.class, () -> ImageLoader.loadRgb(content, "<upload>"));

        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals("image <upload> is 8193x4097, 33566721 pixels; an input image may have at most 33554432 (8K)", e.getMessage());
        // refused from the header: the compressed pixels were not read
        assertTrue(content.available() > png.size() / 2, content.available() + " of " + png.size() + " bytes left");
    }
}
