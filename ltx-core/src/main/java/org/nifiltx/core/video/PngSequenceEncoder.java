package org.nifiltx.core.video;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Writes lossless PNG frames named {@code frame_00000.png ...}, into a directory or a zip file. */
final class PngSequenceEncoder {
    private PngSequenceEncoder() {
    }

    /** The name of frame {@code index}; five digits keep names sorting in frame order up to 100,000 frames. */
    static String frameName(final int index) {
        return String.format(Locale.ROOT, "frame_%05d.png", index);
    }

    static void writeDirectory(final Path directory, final RgbFrames frames) throws IOException {
        Files.createDirectories(directory);
        for (int frame = 0; frame < frames.count(); frame++) {
            try (OutputStream out = Files.newOutputStream(directory.resolve(frameName(frame)))) {
                writePng(frames, frame, out);
            }
        }
    }

    static void writeZip(final Path file, final RgbFrames frames) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writeZip(out, frames);
        }
    }

    /** Streams the zip into {@code out}, frame by frame; {@code out} is left open. */
    static void writeZip(final OutputStream out, final RgbFrames frames) throws IOException {
        final ZipOutputStream zip = new ZipOutputStream(out);
        for (int frame = 0; frame < frames.count(); frame++) {
            zip.putNextEntry(new ZipEntry(frameName(frame)));
            writePng(frames, frame, zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    private static void writePng(final RgbFrames frames, final int frame, final OutputStream out) throws IOException {
        if (!ImageIO.write(frames.image(frame), "png", out)) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "this JDK has no ImageIO PNG writer");
        }
    }
}
