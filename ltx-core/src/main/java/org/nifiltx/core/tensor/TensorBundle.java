package org.nifiltx.core.tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** Named tensors plus string metadata: the content of a safetensors file, and what travels between stages. */
public final class TensorBundle {
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    public TensorBundle(final Map<String, Tensor> tensors, final Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public static TensorBundle of(final Map<String, Tensor> tensors) {
        return new TensorBundle(tensors, Map.of());
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(final String name) {
        return tensors.containsKey(name);
    }

    public Optional<Tensor> find(final String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor called {@code name}, or an {@link LtxErrorCode#INVALID_TENSOR} error listing what there is. */
    public Tensor get(final String name) {
        final Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new LtxException(LtxErrorCode.INVALID_TENSOR,
                    "missing tensor '" + name + "' (present: " + String.join(", ", tensors.keySet()) + ")");
        }
        return tensor;
    }

    /** A copy with one more tensor (replacing one of the same name). */
    public TensorBundle with(final String name, final Tensor tensor) {
        final Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
        copy.put(name, tensor);
        return new TensorBundle(copy, metadata);
    }

    public TensorBundle withMetadata(final Map<String, String> newMetadata) {
        return new TensorBundle(tensors, newMetadata);
    }
}
