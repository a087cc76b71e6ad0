package org.nifiltx.core.tensor;

import java.nio.file.Path;

/**
 * Where a memory-mapped tensor's bytes lie in its file: a runtime that can map files itself (ONNX Runtime's external
 * data) reads them from there instead of being handed a copy.
 *
 * @param file   the file, absolute
 * @param offset the byte offset of the tensor's first byte in {@code file}
 */
public record FileRegion(Path file, long offset) {
    public FileRegion {
        file = file.toAbsolutePath().normalize();
        if (offset < 0) {
            throw new IllegalArgumentException("negative file offset " + offset);
        }
    }
}
