package org.nifiltx.trt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Supplier;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Serialized TensorRT engines on disk, keyed by {@link EngineCacheKey}. An engine is built only when absent (a build
 * takes minutes); it is written to a temporary file and moved into place so a crash never leaves half an engine that a
 * later start would try to load.
 */
public final class EngineCache {
    private final Path directory;

    public EngineCache(final Path directory) {
        this.directory = directory;
    }

    public Path pathFor(final EngineCacheKey key) {
        return directory.resolve(key.fileName());
    }

    /** The cached engine bytes, building and storing them with {@code builder} when absent. */
    public byte[] getOrBuild(final EngineCacheKey key, final Supplier<byte[]> builder) {
        final Path target = pathFor(key);
        try {
            if (Files.isRegularFile(target)) {
                return Files.readAllBytes(target);
            }
            final byte[] engine = builder.get();
            if (engine == null || engine.length == 0) {
                throw new LtxException(LtxErrorCode.BACKEND_FAILURE, "TensorRT produced no engine for " + key.component().cliName());
            }
            Files.createDirectories(directory);
            final Path temporary = Files.createTempFile(directory, ".building-", ".engine");
            try {
                Files.write(temporary, engine);
                try {
                    Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (final AtomicMoveNotSupportedException e) {
                    Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
            return engine;
        } catch (final IOException e) {
            throw new UncheckedIOException("engine cache " + directory + ": " + e.getMessage(), e);
        }
    }
}
