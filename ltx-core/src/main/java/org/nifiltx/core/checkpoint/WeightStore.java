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
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;

/**
 * The weights of one model component under canonical (Lightricks original) names. Lookups are scoped by prefix so a
 * block reads {@code to_q.weight} rather than a full key, and a missing key fails by its full name.
 *
 * <p>The store holds {@link LazyTensor}s: names, dtypes and shapes are known without reading a weight, and a weight
 * made on demand (a dequantized GGUF tensor) is made at each {@link #get} and not kept here, so the caller's use
 * decides how long its values live. Safetensors weights are memory-mapped tensors and load as themselves.
 */
public final class WeightStore {
    private final String component;
    private final Map<String, LazyTensor> tensors;
    private final String prefix;
    private final String variant;
    /** Set on a recording view: every lookup is written down, and a missing or misshaped weight is stood in for. */
    private final WeightReads reads;

    /** A store of tensors already in memory or memory-mapped. */
    public WeightStore(final String component, final Map<String, Tensor> tensors) {
        this(component, wrap(tensors), "", "", null);
    }

    private WeightStore(final String component, final Map<String, LazyTensor> tensors, final String prefix,
            final String variant, final WeightReads reads) {
        this.component = component;
        this.tensors = tensors;
        this.prefix = prefix;
        this.variant = variant;
        this.reads = reads;
    }

    /** A store whose weights are made when asked for (see the class comment). */
    public static WeightStore lazy(final String component, final Map<String, LazyTensor> tensors) {
        return new WeightStore(component, Collections.unmodifiableMap(new LinkedHashMap<>(tensors)), "", "", null);
    }

    private static Map<String, LazyTensor> wrap(final Map<String, Tensor> tensors) {
        final Map<String, LazyTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, LazyTensor.of(v)));
        return Collections.unmodifiableMap(out);
    }

    /** A view whose keys are relative to {@code subPrefix} (a trailing dot is added). */
    public WeightStore scoped(final String subPrefix) {
        return new WeightStore(component, tensors, prefix + subPrefix + ".", variant, reads);
    }

    /**
     * A view of the same weights that writes every lookup into {@code into} and never fails on a missing or misshaped
     * weight (it answers zeros of the implied shape): building a graph on it lists what the graph needs.
     */
    public WeightStore recording(final WeightReads into) {
        return new WeightStore(component, tensors, prefix, variant, into);
    }

    /**
     * The same weights with {@code replacements} (full keys, each already present) swapped in, in the original order, and
     * {@code newVariant} saying how they were derived (e.g. the LoRA adapters merged in), so caches keyed by the weights
     * also tell the variants apart by name.
     */
    public WeightStore withReplaced(final Map<String, Tensor> replacements, final String newVariant) {
        if (!prefix.isEmpty()) {
            throw new IllegalStateException("replace weights on the unscoped store, not under '" + prefix + "'");
        }
        final Map<String, LazyTensor> out = new LinkedHashMap<>(tensors);
        for (final Map.Entry<String, Tensor> e : replacements.entrySet()) {
            if (out.replace(e.getKey(), LazyTensor.of(e.getValue())) == null) {
                throw new IllegalArgumentException("no weight '" + e.getKey() + "' to replace in the " + component + " weights");
            }
        }
        return new WeightStore(component, Collections.unmodifiableMap(out), "", newVariant, null);
    }

    /** How these weights were derived from the checkpoint's ("" when they are the checkpoint's own). */
    public String variant() {
        return variant;
    }

    public String prefix() {
        return prefix;
    }

    public String component() {
        return component;
    }

    public Optional<Tensor> find(final String key) {
        return Optional.ofNullable(tensors.get(prefix + key)).map(LazyTensor::load);
    }

    public boolean contains(final String key) {
        return tensors.containsKey(prefix + key);
    }

    /** The weight {@code key}, or a {@link LtxErrorCode#CHECKPOINT_MISMATCH} error naming the full key. */
    public Tensor get(final String key) {
        return lazy(key).load();
    }

    /** The weight {@code key}, checked to have exactly {@code shape} before it is loaded. */
    public Tensor get(final String key, final long... shape) {
        return lazy(key, shape).load();
    }

    /** The weight {@code key} not yet loaded: dtype and shape without its values. */
    public LazyTensor lazy(final String key) {
        final LazyTensor t = tensors.get(prefix + key);
        if (reads != null) {
            reads.record(prefix + key, null);
            return t != null ? t : LazyTensor.of(reads.standIn(prefix + key, new long[0]));
        }
        if (t == null) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                    "checkpoint " + component + " weights lack '" + prefix + key + "'");
        }
        return t;
    }

    /** The weight {@code key} not yet loaded, checked to have exactly {@code shape}. */
    public LazyTensor lazy(final String key, final long... shape) {
        if (reads != null) {
            reads.record(prefix + key, shape);
            final LazyTensor t = tensors.get(prefix + key);
            return t != null && java.util.Arrays.equals(t.shape(), shape) ? t
                    : LazyTensor.of(reads.standIn(prefix + key, shape));
        }
        final LazyTensor t = lazy(key);
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
        final LazyTensor t = tensors.get(prefix + key);
        return t == null || axis >= t.shape().length ? fallback : t.shape()[axis];
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

    /** Parameters under this scope, from the shapes alone (nothing is loaded). */
    public long parameterCount() {
        long n = 0;
        for (final String k : keys()) {
            n += tensors.get(prefix + k).numel();
        }
        return n;
    }

    /** Parameter count per dtype, for {@code ltx inspect} (nothing is loaded). */
    public Map<DType, Long> parametersByDtype() {
        final Map<DType, Long> out = new EnumMap<>(DType.class);
        for (final String k : keys()) {
            final LazyTensor t = tensors.get(prefix + k);
            out.merge(t.dtype(), t.numel(), Long::sum);
        }
        return new TreeMap<>(out);
    }

    public boolean isEmpty() {
        return keys().isEmpty();
    }
}
