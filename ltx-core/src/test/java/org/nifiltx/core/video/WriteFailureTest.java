package org.nifiltx.core.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * An output that cannot be written is a WRITE_FAILED error saying why, never a "missing file". A folder that is a
 * regular file fails for every user; a read-only folder only for one who is not root (skipped where it stays writable).
 */
class WriteFailureTest {
    @TempDir
    Path directory;

    private static final Tensor FRAMES = TestFrames.smoothPattern(2, 8, 8);

    private static void assertWriteFailed(final String message, final Executable call) {
        final LtxException error = assertThrows(LtxException.class, call);
        assertEquals(LtxErrorCode.WRITE_FAILED, error.code());
        assertEquals(message, error.getMessage());
    }

    @Test
    void aFolderThatIsAFileFailsEveryFormat() throws Exception {
        final Path file = Files.writeString(directory.resolve("notes.txt"), "not a folder");
        for (final String name : new String[] {"out.mp4", "out.gif", "out.zip", "frames", "out.safetensors"}) {
            final Path output = file.resolve(name);
            final VideoFormat format = VideoFormat.fromPath(output);
            assertWriteFailed("cannot write " + format + " video " + output + ": " + file + " exists and is not a directory",
                    () -> VideoWriter.write(output, FRAMES, 25.0, Map.of()));
            assertWriteFailed("cannot write " + format + " video " + output + ": " + file + " exists and is not a directory",
                    () -> WriteFailure.requireWritable(format + " video", output));
        }
        final Path tensors = file.resolve("latents.safetensors");
        assertWriteFailed("cannot write safetensors file " + tensors + ": " + file + " exists and is not a directory",
                () -> SafeTensors.write(tensors, TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f})))));
        // deeper: a folder below the file cannot be created either
        final Path deeper = file.resolve("sub/out.mp4");
        assertWriteFailed("cannot write MP4 video " + deeper + ": Not a directory", () -> VideoWriter.write(deeper, FRAMES, 25.0, Map.of()));
    }

    @Test
    void aReadOnlyFolderFailsWithPermissionDenied() throws Exception {
        final Path readOnly = Files.createDirectory(directory.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(readOnly), "root writes into read-only folders");
            for (final String name : new String[] {"out.mp4", "out.gif", "out.zip", "frames", "out.safetensors"}) {
                final Path output = readOnly.resolve(name);
                final VideoFormat format = VideoFormat.fromPath(output);
                assertWriteFailed("cannot write " + format + " video " + output + ": permission denied",
                        () -> VideoWriter.write(output, FRAMES, 25.0, Map.of()));
                assertWriteFailed("cannot write " + format + " video " + output + ": permission denied",
                        () -> WriteFailure.requireWritable(format + " video", output));
                assertFalse(Files.exists(output));
            }
            final Path tensors = readOnly.resolve("latents.safetensors");
            assertWriteFailed("cannot write safetensors file " + tensors + ": permission denied",
                    () -> SafeTensors.write(tensors, TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f})))));
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aFullDiskSaysSo() {
        // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does, for root too
        final Path full = Path.of("/dev/full");
        Assumptions.assumeTrue(Files.isWritable(full), "needs Linux's /dev/full");
        assertWriteFailed("cannot write safetensors file /dev/full: No space left on device",
                () -> SafeTensors.write(full, TensorBundle.of(Map.of("x", Tensor.ofFloats(new long[] {1}, new float[] {1f})))));
    }

    @Test
    void aWritableFolderPassesTheCheckAndKeepsNoProbe() throws Exception {
        final Path output = directory.resolve("new/out.mp4");
        WriteFailure.requireWritable("MP4 video", output);
        try (var left = Files.list(output.getParent())) {
            assertEquals(0, left.count());
        }
    }
}
