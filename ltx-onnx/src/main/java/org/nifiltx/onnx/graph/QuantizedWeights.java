package org.nifiltx.onnx.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorRows;

/**
 * Weights in a reduced form, made once per checkpoint weight: symmetric int8 per output channel (scale = max|w|/127,
 * zero point 0: ONNX Runtime's s8 weight kernels need a zero point of 0) or bf16. A store may be preloaded from a cache
 * file ({@link QuantizedWeightCache}); what it computes is recorded so the cache can be written after a build.
 */
public class QuantizedWeights {
    /** Suffixes of the two tensors that make one int8 weight. */
    public static final String INT8_SUFFIX = ".int8";
    public static final String SCALE_SUFFIX = ".scale";
    public static final String BF16_SUFFIX = ".bf16";
    /** Suffix of an fp8 weight's e4m3 values (its per-output-channel scales use {@link #SCALE_SUFFIX}). */
    public static final String FP8_SUFFIX = ".fp8";

    /** An int8 weight: {@code values} in the layout the consumer needs, {@code scale} [out] float32. */
    public record Int8(Tensor values, Tensor scale) {
    }

    /** An fp8 weight: e4m3fn {@code values} [out, in] as PyTorch stores a Linear, {@code scale} [out] float32. */
    public record Fp8(Tensor values, Tensor scale) {
        /** Whether every scale is 1 (an fp8 checkpoint's own bytes): DequantizeLinear then only widens. */
        public boolean unitScale() {
            for (final float s : scale.toFloatArray()) {
                if (s != 1f) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Elements widened to float32 at a time when rounding to bf16. */
    private static final int ROW_CHUNK = 1 << 16;

    private final Map<String, Tensor> known;
    private final Map<String, Tensor> computed = new LinkedHashMap<>();

    protected QuantizedWeights(final Map<String, Tensor> known) {
        this.known = new LinkedHashMap<>(known);
    }

    /** A store that computes every weight (nothing cached). */
    public static QuantizedWeights inMemory() {
        return new QuantizedWeights(Map.of());
    }

    /** A store preloaded with cached tensors (keys as {@link #computed()} wrote them). */
    public static QuantizedWeights preloaded(final Map<String, Tensor> cached) {
        return new QuantizedWeights(cached);
    }

    /**
     * A Linear weight [out, in] as int8 [in, out] (transposed for {@code x · W}) with per-output scales: the layout
     * com.microsoft DynamicQuantizeMatMul takes.
     */
    public synchronized Int8 linear(final String key, final Tensor weight) {
        return int8(key, LazyTensor.of(weight), true);
    }

    /**
     * {@link #linear(String, Tensor)} on a weight not yet loaded: it is loaded only when not cached, and its float32
     * values are dropped once quantized (a GGUF weight is dequantized here and nowhere else).
     */
    public synchronized Int8 linear(final String key, final LazyTensor weight) {
        return int8(key, weight, true);
    }

    /** A convolution weight [out, in, k...] as int8 in the same layout with per-output-channel scales. */
    public synchronized Int8 conv(final String key, final Tensor weight) {
        return int8(key, LazyTensor.of(weight), false);
    }

    /**
     * A weight as bf16 (as stored when it already is; rounded to nearest even otherwise). A rounded weight is recorded
     * for the weight cache: not to save the rounding (one pass, cheap) but so that later starts find it in a file,
     * which ONNX Runtime maps instead of holding its own copy (a bf16 T5-XXL: 9.8 GB of anonymous memory less).
     */
    public synchronized Tensor bf16(final String key, final Tensor weight) {
        if (weight.dtype() == DType.BF16) {
            return weight;
        }
        final Tensor cached = known.get(key + BF16_SUFFIX);
        if (cached != null && cached.numel() == weight.numel()) {
            return cached;
        }
        final int n = Math.toIntExact(weight.numel());
        final ByteBuffer out = allocate(n * 2);
        final float[] row = new float[Math.min(n, ROW_CHUNK)];
        try (TensorRows rows = TensorRows.of(weight)) {
            for (int start = 0; start < n; start += row.length) {
                final float[] chunk = n - start >= row.length ? row : new float[n - start];
                rows.read(start, chunk);
                for (int i = 0; i < chunk.length; i++) {
                    out.putShort((start + i) * 2, FloatFormats.floatToBf16(chunk[i]));
                }
            }
        }
        return keep(key + BF16_SUFFIX, new Tensor(DType.BF16, weight.shape(), out.position(0).limit(n * 2)));
    }

    /**
     * A Linear weight [out, in] as float8 e4m3fn with per-output-channel scales (max|row| / 448). An e4m3 checkpoint
     * weight (the official fp8 files) is taken as stored with scale 1: no requantization, nothing to cache.
     */
    public synchronized Fp8 fp8(final String key, final LazyTensor weight) {
        final int out = Math.toIntExact(weight.dim(0));
        if (weight.dtype() == DType.F8_E4M3) {
            final float[] ones = new float[out];
            java.util.Arrays.fill(ones, 1f);
            return new Fp8(weight.load(), Tensor.ofFloats(new long[] {out}, ones));
        }
        final Tensor cachedValues = known.get(key + FP8_SUFFIX);
        final Tensor cachedScale = known.get(key + SCALE_SUFFIX);
        if (cachedValues != null && cachedScale != null && cachedScale.dim(0) == out
                && cachedValues.numel() == weight.numel()) {
            return new Fp8(cachedValues, cachedScale);
        }
        final Fp8 made = quantizeFp8(weight.load(), this::allocate);
        return new Fp8(keep(key + FP8_SUFFIX, made.values()), keep(key + SCALE_SUFFIX, made.scale()));
    }

    /** Per-row e4m3: row r scaled by max|row|/448 and rounded to nearest even (saturating), as QuantizeLinear does. */
    static Fp8 quantizeFp8(final Tensor weight) {
        return quantizeFp8(weight, QuantizedWeights::direct);
    }

    private static Fp8 quantizeFp8(final Tensor weight, final java.util.function.IntFunction<ByteBuffer> allocate) {
        final int out = Math.toIntExact(weight.dim(0));
        final int in = Math.toIntExact(weight.numel() / out);
        final float[] w = new float[in];
        final float[] scales = new float[out];
        final ByteBuffer values = allocate.apply(Math.toIntExact(weight.numel()));
        try (TensorRows rows = TensorRows.of(weight)) {
            for (int r = 0; r < out; r++) {
                rows.read((long) r * in, w);
                final float max = maxAbs(w);
                final float scale = max > 0f ? max / FloatFormats.F8E4M3_MAX : 1f;
                scales[r] = scale;
                for (int c = 0; c < in; c++) {
                    // divide, not multiply by the inverse: the same arithmetic as QuantizeLinear
                    values.put(r * in + c, FloatFormats.floatToF8e4m3(w[c] / scale));
                }
            }
        }
        return new Fp8(new Tensor(DType.F8_E4M3, weight.shape(), values), Tensor.ofFloats(new long[] {out}, scales));
    }

    private Int8 int8(final String key, final LazyTensor weight, final boolean transpose) {
        final Tensor cachedValues = known.get(key + INT8_SUFFIX);
        final Tensor cachedScale = known.get(key + SCALE_SUFFIX);
        if (cachedValues != null && cachedScale != null && cachedScale.dim(0) == weight.dim(0)
                && cachedValues.numel() == weight.numel()) {
            return new Int8(cachedValues, cachedScale);
        }
        final Int8 made = quantize(weight.load(), transpose, this::allocate);
        return new Int8(keep(key + INT8_SUFFIX, made.values()), keep(key + SCALE_SUFFIX, made.scale()));
    }

    /** Symmetric per-row int8: row r of the [out, rest] view scaled by max|row|/127 and rounded half to even. */
    static Int8 quantize(final Tensor weight, final boolean transpose) {
        return quantize(weight, transpose, QuantizedWeights::direct);
    }

    private static Int8 quantize(final Tensor weight, final boolean transpose,
            final java.util.function.IntFunction<ByteBuffer> allocate) {
        final int out = Math.toIntExact(weight.dim(0));
        final int rest = Math.toIntExact(weight.numel() / out);
        final float[] w = new float[rest];
        final float[] scales = new float[out];
        final ByteBuffer values = allocate.apply(Math.toIntExact(weight.numel()));
        try (TensorRows rows = TensorRows.of(weight)) {
            for (int r = 0; r < out; r++) {
                rows.read((long) r * rest, w);
                final float max = maxAbs(w);
                final float scale = max > 0f ? max / 127f : 1f;
                scales[r] = scale;
                final float inverse = 1f / scale;
                for (int c = 0; c < rest; c++) {
                    final int q = (int) Math.rint(w[c] * inverse);
                    final byte b = (byte) Math.max(-127, Math.min(127, q));
                    values.put(transpose ? c * out + r : r * rest + c, b);
                }
            }
        }
        final long[] shape = transpose ? new long[] {rest, out} : weight.shape();
        return new Int8(new Tensor(DType.I8, shape, values), Tensor.ofFloats(new long[] {out}, scales));
    }

    private static float maxAbs(final float[] row) {
        float max = 0f;
        for (final float v : row) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** A tensor this store holds under {@code key} (preloaded or computed), if any. */
    public synchronized java.util.Optional<Tensor> find(final String key) {
        final Tensor cached = known.get(key);
        return java.util.Optional.ofNullable(cached != null ? cached : computed.get(key));
    }

    /**
     * Records a tensor made outside this store for the weight cache (e.g. a convolution's calibrated output range),
     * so that {@link #computed()} lists it and a later build finds it preloaded.
     */
    public synchronized void record(final String key, final Tensor value) {
        keep(key, value);
    }

    /**
     * Records a tensor this store made under {@code key} and returns the tensor to use in its place: itself here; a
     * store that writes what it makes to a file returns the copy read back from there.
     */
    protected Tensor keep(final String key, final Tensor made) {
        computed.put(key, made);
        return made;
    }

    /** Memory for a tensor being made: direct, so ONNX Runtime takes it without a copy. */
    protected ByteBuffer allocate(final int bytes) {
        return direct(bytes);
    }

    private static ByteBuffer direct(final int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Tensors this store computed (not found preloaded), by cache key: what a cache file should add. */
    public synchronized Map<String, Tensor> computed() {
        return new LinkedHashMap<>(computed);
    }

    /** Every tensor this store holds, preloaded or computed. */
    public synchronized Map<String, Tensor> all() {
        final Map<String, Tensor> all = new LinkedHashMap<>(known);
        all.putAll(computed);
        return all;
    }
}
