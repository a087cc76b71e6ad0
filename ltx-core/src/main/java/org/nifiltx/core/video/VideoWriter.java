package org.nifiltx.core.video;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Writes uint8 RGB frames [F,H,W,3] as MP4, GIF, PNG frames or a raw safetensors bundle, the format chosen by
 * {@link VideoFormat#fromPath}. Every format is first written to a temporary sibling of the target and then moved into
 * place, so a failure (or a crash) never leaves a half-written video under the requested name.
 */
public final class VideoWriter {
    /** The name of the frames tensor in a raw bundle. */
    public static final String FRAMES_TENSOR = "frames_uint8";

    private VideoWriter() {
    }

    /** Writes {@code framesUint8} at {@code frameRate} frames per second (23.976 and 29.97 mean the NTSC fractions). */
    public static VideoFormat write(final Path output, final Tensor framesUint8, final double frameRate,
            final Map<String, Tensor> extras) {
        return write(output, framesUint8, FrameRate.of(frameRate), extras);
    }

    /**
     * Writes {@code framesUint8} at an exact frame rate. {@code extras} (may be null or empty) are stored only by the
     * raw bundle format, next to {@value #FRAMES_TENSOR}; other formats ignore them.
     *
     * @return the format written
     */
    public static VideoFormat write(final Path output, final Tensor framesUint8, final FrameRate frameRate,
            final Map<String, Tensor> extras) {
        final RgbFrames frames = RgbFrames.of(framesUint8);
        if (frameRate == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "frame rate must not be null");
        }
        final VideoFormat format = VideoFormat.fromPath(output);
        final Path target = output.toAbsolutePath().normalize();
        final Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            final Path temporary = parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                    + "-" + System.nanoTime());
            try {
                writeFormat(format, temporary, frames, frameRate, extras);
                moveIntoPlace(temporary, target, format == VideoFormat.PNG_DIRECTORY);
            } finally {
                deleteRecursively(temporary);
            }
        } catch (final IOException e) {
            throw WriteFailure.of(format + " video", output, e);
        } catch (final UncheckedIOException e) {
            throw WriteFailure.of(format + " video", output, e.getCause());
        }
        return format;
    }

    /**
     * Writes {@code framesUint8} in {@code format} straight into {@code out} (a FlowFile's content), with no file on the
     * way: GIF, PNG zip and the raw bundle stream frame by frame; an MP4 is muxed in memory first (its compressed size,
     * as the container's index follows the samples). {@code out} is left open. A PNG directory is no stream.
     */
    public static void write(final OutputStream out, final Tensor framesUint8, final FrameRate frameRate, final VideoFormat format,
            final Map<String, Tensor> extras) throws IOException {
        final RgbFrames frames = RgbFrames.of(framesUint8);
        switch (format) {
            case MP4 -> {
                final MemoryChannel mp4 = new MemoryChannel();
                Mp4Encoder.write(mp4, frames, frameRate);
                mp4.writeTo(out);
            }
            case GIF -> GifEncoder.write(out, frames, frameRate);
            case PNG_ZIP -> PngSequenceEncoder.writeZip(out, frames);
            case RAW_BUNDLE -> SafeTensors.write(out, rawBundle(frames, frameRate, extras));
            default -> throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, format + " cannot be written to a stream");
        }
    }

    private static void writeFormat(final VideoFormat format, final Path temporary, final RgbFrames frames,
            final FrameRate frameRate, final Map<String, Tensor> extras) throws IOException {
        switch (format) {
            case MP4 -> Mp4Encoder.write(temporary, frames, frameRate);
            case GIF -> GifEncoder.write(temporary, frames, frameRate);
            case PNG_ZIP -> PngSequenceEncoder.writeZip(temporary, frames);
            case PNG_DIRECTORY -> PngSequenceEncoder.writeDirectory(temporary, frames);
            case RAW_BUNDLE -> {
                // the channel overload: its IOException is reported for the output, not the temporary file
                try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    SafeTensors.write(out, rawBundle(frames, frameRate, extras));
                }
            }
            default -> throw new IllegalStateException(format.name());
        }
    }

    private static TensorBundle rawBundle(final RgbFrames frames, final FrameRate frameRate,
            final Map<String, Tensor> extras) {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(FRAMES_TENSOR, frames.tensor());
        if (extras != null) {
            for (final Map.Entry<String, Tensor> extra : extras.entrySet()) {
                if (FRAMES_TENSOR.equals(extra.getKey())) {
                    throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                            "extra tensor name '" + FRAMES_TENSOR + "' is reserved for the frames");
                }
                tensors.put(extra.getKey(), extra.getValue());
            }
        }
        return new TensorBundle(tensors, Map.of("frame_rate", frameRate.toString()));
    }

    /**
     * Renames the finished temporary into place. A file replaces the target in one atomic rename. A frame directory
     * cannot replace a non-empty directory atomically, so an existing one is first renamed aside and deleted after;
     * it may only hold earlier PNG frames, so that a typo in the path cannot wipe an unrelated directory.
     */
    private static void moveIntoPlace(final Path temporary, final Path target, final boolean directory)
            throws IOException {
        if (!directory) {
            move(temporary, target);
            return;
        }
        if (!Files.exists(target)) {
            move(temporary, target);
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "PNG frame output " + target + " exists and is not a directory");
        }
        requireOnlyFrames(target);
        final Path aside = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
        move(target, aside);
        try {
            move(temporary, target);
        } catch (final IOException e) {
            move(aside, target);
            throw e;
        }
        deleteRecursively(aside);
    }

    private static void requireOnlyFrames(final Path directory) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (final Path entry : entries) {
                final String name = entry.getFileName().toString();
                if (!Files.isRegularFile(entry) || !name.matches("frame_\\d{5,}\\.png")) {
                    throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "PNG frame directory " + directory
                            + " already holds '" + name + "', which is not a frame_NNNNN.png file; "
                            + "choose an empty or new directory");
                }
            }
        }
    }

    private static void move(final Path source, final Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteRecursively(final Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (final Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        }
    }
}
