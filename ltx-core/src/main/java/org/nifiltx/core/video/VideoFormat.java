package org.nifiltx.core.video;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** The kinds of video output, chosen from the output path so a CLI flag or a NiFi property needs only a file name. */
public enum VideoFormat {
    /** H.264 Baseline, yuv420p, in an MP4 container (pure Java jcodec encoder). */
    MP4,
    /** Animated GIF, one local palette per frame, looping forever. */
    GIF,
    /** Lossless PNG frames {@code frame_00000.png ...} inside a zip file. */
    PNG_ZIP,
    /** Lossless PNG frames {@code frame_00000.png ...} in a directory. */
    PNG_DIRECTORY,
    /** A safetensors file holding {@code frames_uint8} [F,H,W,3] plus any extra tensors (latents, ...). */
    RAW_BUNDLE;

    static final String ALLOWED = ".mp4 (H.264), .gif (animated GIF), .zip (PNG frames in a zip), "
            + ".safetensors (raw frames_uint8 bundle), or a directory / a path without extension (PNG frames)";

    /** The format {@code output} asks for; throws INVALID_ARGUMENT for an extension that is not one of ours. */
    public static VideoFormat fromPath(final Path output) {
        if (Files.isDirectory(output)) {
            return PNG_DIRECTORY;
        }
        final Path fileName = output.getFileName();
        if (fileName == null) {
            return PNG_DIRECTORY;
        }
        final String name = fileName.toString();
        final int dot = name.lastIndexOf('.');
        // A leading dot marks a hidden name, not an extension.
        if (dot <= 0) {
            return PNG_DIRECTORY;
        }
        final String extension = name.substring(dot + 1).toLowerCase(Locale.ROOT);
        return switch (extension) {
            case "mp4" -> MP4;
            case "gif" -> GIF;
            case "zip" -> PNG_ZIP;
            case "safetensors" -> RAW_BUNDLE;
            default -> throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "unsupported video output extension '."
                    + name.substring(dot + 1) + "' in " + output + "; allowed: " + ALLOWED);
        };
    }
}
