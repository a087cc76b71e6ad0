package org.nifiltx.trt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Identifies a checkpoint's weights cheaply: SHA-256 over each safetensors file's size and its first and last MiB
 * (the header with every tensor's name, dtype, shape and offsets, plus tail bytes). Hashing 5-30 GB of weights at
 * every start would cost minutes; a changed tensor also changes its neighbours' offsets or the tail.
 */
public final class CheckpointFingerprint {
    private static final int SAMPLE = 1 << 20;

    private CheckpointFingerprint() {
    }

    public static String of(final Path model) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            final List<Path> files;
            if (Files.isDirectory(model)) {
                try (Stream<Path> walk = Files.walk(model)) {
                    files = walk.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
                }
            } else {
                files = List.of(model);
            }
            for (final Path file : files) {
                digest.update(model.relativize(file).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                    final long size = channel.size();
                    digest.update(ByteBuffer.allocate(8).putLong(0, size));
                    digest.update(read(channel, 0, (int) Math.min(SAMPLE, size)));
                    digest.update(read(channel, Math.max(0, size - SAMPLE), (int) Math.min(SAMPLE, size)));
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot fingerprint checkpoint " + model + ": " + e.getMessage(), e);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static ByteBuffer read(final FileChannel channel, final long position, final int length) throws IOException {
        final ByteBuffer buffer = ByteBuffer.allocate(length);
        long at = position;
        while (buffer.hasRemaining()) {
            final int n = channel.read(buffer, at);
            if (n < 0) {
                break;
            }
            at += n;
        }
        return buffer.flip();
    }
}
