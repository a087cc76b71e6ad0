package org.nifiltx.core.error;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@link LtxErrorCode#WRITE_FAILED} error of a write that failed, with the reason in words. Java's exceptions name
 * only a path ({@code AccessDeniedException: /out/.video.mp4.tmp-1}), which reads like a missing file; this says what
 * went wrong and names the output the caller asked for, not a temporary sibling.
 */
public final class WriteFailure {
    private WriteFailure() {
    }

    /** "cannot write {what} {target}: {reason}". */
    public static LtxException of(final String what, final Path target, final IOException cause) {
        return new LtxException(LtxErrorCode.WRITE_FAILED, "cannot write " + what + " " + target + ": " + reason(cause), cause);
    }

    /**
     * Fails now, with the error the write would end in, when the folder of {@code output} cannot take a new file (the
     * folder is created if missing, as the writers do): a generation checks its outputs before the work, not after.
     */
    public static void requireWritable(final String what, final Path output) {
        final Path folder = output.toAbsolutePath().normalize().getParent();
        try {
            Files.createDirectories(folder);
            Files.delete(Files.createTempFile(folder, ".nifi-ltx-probe-", ".tmp"));
        } catch (final IOException e) {
            throw of(what, output, e);
        }
    }

    /** The reason of a failed write, e.g. "permission denied", "/out exists and is not a directory", "No space left on device". */
    static String reason(final IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException exists) {
            // createDirectories on a path whose folder is a file
            return exists.getFile() + " exists and is not a directory";
        }
        if (e instanceof FileNotFoundException && e.getMessage() != null && e.getMessage().endsWith(")")) {
            // java.io (FileOutputStream, RandomAccessFile: the MP4 muxer) says "path (reason)"
            final String reason = e.getMessage().substring(e.getMessage().lastIndexOf(" (") + 2, e.getMessage().length() - 1);
            return reason.equals("Permission denied") ? "permission denied" : reason;
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            // the reason alone ("Read-only file system", "Not a directory"): the file may be a temporary sibling
            return fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
