package org.nifiltx.core.checkpoint;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/**
 * The weights of one model component under canonical (Lightricks original) names. Lookups are scoped by prefix so a
 * block reads {@code to_q.weight} rather than a full key, and a missing key fails by its full name.
 */
public final class WeightStore {
    private final String component;
    private final Map<String, Tensor> tensors;
    private final String prefix;
    /** Set on a recording view: every get is written down, and a missing or misshaped weight is stood in for. */
    private final WeightReads reads;

    public WeightStore(final String component, final Map<String, Tensor> tensors) {
        this(component, Collections.unmodifiableMap(new LinkedHashMap<>(tensors)), "", null);
    }

    private WeightStore(final String component, final Map<String, Tensor> tensors, final String prefix,
            final WeightReads reads) {
        this.component = component;
        this.tensors = tensors;
        this.prefix = prefix;
        this.reads = reads;
    }

    /** A view whose keys are relative to {@code subPrefix} (a trailing dot is added). */
    public WeightStore scoped(final String subPrefix) {
        return new WeightStore(component, tensors, prefix + subPrefix + ".", reads);
    }

    /**
     * A view of the same weights that writes every {@link #get} into {@code into} and never fails on a missing or
     * misshaped weight (it answers zeros of the implied shape): building a graph on it lists what the graph needs.
     */
    public WeightStore recording(final WeightReads into) {
        return new WeightStore(component, tensors, prefix, into);
    }

    public String prefix() {
        return prefix;
    }

    public String component() {
        return component;
    }

    public Optional<Tensor> find(final String key) {
        return Optional.ofNullable(tensors.get(prefix + key));
    }

    public boolean contains(final String key) {
        return tensors.containsKey(prefix + key);
    }

    /** The weight {@code key}, or a {@link LtxErrorCode#CHECKPOINT_MISMATCH} error naming the full key. */
    public Tensor get(final String key) {
        final Tensor t = tensors.get(prefix + key);
        if (reads != null) {
            reads.record(prefix + key, null);
            if (t == null) {
                return reads.standIn(prefix + key, new long[0]);
            }
        }
        if (t == null) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                    "checkpoint " + component + " weights lack '" + prefix + key + "'");
        }
        return t;
    }

    /** The weight {@code key}, checked to have exactly {@code shape}. */
    public Tensor get(final String key, final long... shape) {
        if (reads != null) {
            reads.record(prefix + key, shape);
            final Tensor t = tensors.get(prefix + key);
            return t != null && java.util.Arrays.equals(t.shape(), shape) ? t : reads.standIn(prefix + key, shape);
        }
        final Tensor t = get(key);
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "checkpoint " + component + " weight '" + prefix + key
                    + "' has shape " + Tensor.shapeString(t.shape()) + ", the config implies " + Tensor.shapeString(shape));
        }
        return t;
    }

    /**
     * The size of {@code axis} of weight {@code key}, or {@code fallback} where the checkpoint lacks it: for sizes a
     * graph reads from the checkpoint; the {@link #get(String, long...)} that follows reports the missing weight.
     */
    public long dim(final String key, final int axis, final long fallback) {
        final Tensor t = tensors.get(prefix + key);
        return t == null || axis >= t.rank() ? fallback : t.dim(axis);
    }

    /** Full keys under this scope. */
    public Set<String> keys() {
        final Set<String> out = new java.util.TreeSet<>();
        for (final String k : tensors.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (final String k : keys()) {
            n += tensors.get(prefix + k).numel();
        }
        return n;
    }

    /** Parameter count per dtype, for {@code ltx inspect}. */
    public Map<DType, Long> parametersByDtype() {
        final Map<DType, Long> out = new EnumMap<>(DType.class);
        for (final String k : keys()) {
            final Tensor t = tensors.get(prefix + k);
            out.merge(t.dtype(), t.numel(), Long::sum);
        }
        return new TreeMap<>(out);
    }

    public boolean isEmpty() {
        return keys().isEmpty();
    }
}
