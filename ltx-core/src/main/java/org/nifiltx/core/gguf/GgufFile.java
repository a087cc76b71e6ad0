package org.nifiltx.core.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/**
 * A GGUF (v2/v3) file: its metadata and tensor infos, checked completely when opened, and its tensor data, memory-mapped
 * per tensor on demand. Every structural problem is a {@link LtxErrorCode#CORRUPT_FILE} error naming the file (and the
 * tensor, where one is involved).
 */
public final class GgufFile {
    private final Path path;
    private final long fileSize;
    private final GgufParser.Header header;
    private final Map<String, GgufTensorInfo> tensors;

    private GgufFile(final Path path, final long fileSize, final GgufParser.Header header) {
        this.path = path;
        this.fileSize = fileSize;
        this.header = header;
        final Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (final GgufTensorInfo info : header.tensors()) {
            byName.put(info.name(), info);
        }
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /** Reads and checks the header of {@code path}; no tensor data is read yet. */
    public static GgufFile open(final Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            final long size = channel.size();
            // One mapping covers at most 2 GiB; GGUF headers (vocabularies included) are far smaller than that.
            final ByteBuffer headerBytes = size == 0 ? ByteBuffer.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            return new GgufFile(path, size, GgufParser.parse(path, headerBytes, size));
        } catch (final NoSuchFileException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "GGUF file not found: " + path, e);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot read GGUF file " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return fileSize;
    }

    public int version() {
        return header.version();
    }

    /** The data alignment: {@code general.alignment}, 32 by default. */
    public long alignment() {
        return header.alignment();
    }

    /** Absolute file offset of the (aligned) tensor data section. */
    public long dataStart() {
        return header.dataStart();
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    /** Tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<GgufTensorInfo> findTensor(final String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The info of tensor {@code name}, or a {@link LtxErrorCode#CHECKPOINT_MISMATCH} error naming it. */
    public GgufTensorInfo tensor(final String name) {
        final GgufTensorInfo info = tensors.get(name);
        if (info == null) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "GGUF file " + path + " has no tensor '" + name + "'");
        }
        return info;
    }

    /** The raw (still quantized) bytes of a tensor, memory-mapped, little-endian. */
    public ByteBuffer rawData(final GgufTensorInfo info) {
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "tensor '" + info.name() + "' in " + path + " has "
                    + info.byteLength() + " bytes, more than one mapping (2 GiB) holds");
        }
        if (info.byteLength() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            if (info.fileOffset() + info.byteLength() > channel.size()) {
                throw GgufParser.corrupt(path, "tensor '" + info.name() + "' data extends beyond the end of the file, "
                        + "which has shrunk to " + channel.size() + " bytes since it was opened");
            }
            // The mapping stays valid after the channel is closed.
            return channel.map(FileChannel.MapMode.READ_ONLY, info.fileOffset(), info.byteLength())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot read GGUF file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Tensor {@code name} dequantized to float32, in numpy shape order (the GGUF dimensions reversed). */
    public Tensor dequantize(final String name) {
        return dequantize(tensor(name));
    }

    public Tensor dequantize(final GgufTensorInfo info) {
        return Tensor.ofFloats(info.shape(), naming(() -> GgmlDequantizer.dequantize(info.type(), rawData(info),
                info.elementCount(), info.name())));
    }

    /** Fails as {@link #dequantize} would for a type that cannot be dequantized, reading no tensor data. */
    public void requireDequantizable(final GgufTensorInfo info) {
        naming(() -> {
            GgmlDequantizer.requireDequantizable(info.type(), info.elementCount(), info.name());
            return null;
        });
    }

    /** The dequantizer knows only the tensor; the operator also needs to know which file. */
    private <T> T naming(final java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (final LtxException e) {
            throw new LtxException(e.code(), "GGUF file " + path + ": " + e.getMessage(), e);
        }
    }
}
