package org.nifiltx.core.pipeline;

import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;

/**
 * Which large components of a generation may stay open together within a memory budget, from an estimate of each
 * one's resident weights. A component's weights are split as the int8 policy treats them: the block linears (T5
 * attention and feed-forward, transformer attention and feed-forward) are quantized, everything else (embeddings,
 * norms, biases, the sensitive first and last projections) stays float32. Resident bytes:
 * <ul>
 * <li>int8: 1 byte per quantized weight, plus a float32 scale and an int8 zero point (5 bytes) per output channel of
 * each quantized linear, plus 4 bytes per other parameter;</li>
 * <li>every other precision: 4 bytes per parameter, as the fp32 graphs hold them (an upper bound for weights kept bf16
 * on a GPU backend, whose host memory is not what runs short).</li>
 * </ul>
 * The VAE decoder is counted at 4 bytes per parameter in every precision (its int8 convolutions only lower that).
 *
 * <p>The text encoder is released after encoding when it and the transformer do not fit together (weights only: T5's
 * activations are small next to its weights). The transformer is released before the VAE decoder opens when they do
 * not fit together, or when its denoising memory, which its session keeps, leaves the decode too little (see
 * {@link #releaseTransformerBeforeDecoding(MemoryEstimate)}); the decode then tiles within what the budget has left
 * ({@code VaeDecoderRunner.openWithinProcessBudget}). For LTX-Video 2B with T5-XXL in int8 that is 5.16 GB + 2.06 GB: a budget
 * under 7.2 GB (the default half of a 12 GB machine) releases T5 before the transformer loads.
 *
 * <p>Not counted: a component whose reduced weights are not yet in the weight cache and cannot be written there (no
 * cache folder, a full disk) holds them in Java while ONNX Runtime copies them at session creation, about twice this
 * estimate for that moment; from the weight cache ONNX Runtime maps them instead (see {@code MappedInitializers}).
 */
public final class MemoryPlan {
    /** A quantized linear keeps, per output channel, a float32 scale and an int8 zero point. */
    static final int INT8_BYTES_PER_CHANNEL = Float.BYTES + 1;
    /** Width of the sinusoidal timestep embedding fed to adaln_single's first linear. */
    private static final int TIMESTEP_CHANNELS = 256;
    /** adaln_single's six modulation vectors per block (shift, scale, gate for attention and feed-forward). */
    private static final int MODULATIONS = 6;
    /** The transformer's feed-forward width is four times the hidden width (diffusers FeedForward, mult 4). */
    private static final int FF_MULT = 4;

    private final long budgetBytes;
    private final long textEncoderBytes;
    private final long transformerBytes;
    private final long vaeDecoderBytes;

    /**
     * @param budgetBytes      what the open components may hold together
     * @param textEncoderBytes the text encoder's resident weights (0 when there is none)
     * @param transformerBytes the transformer's
     * @param vaeDecoderBytes  the VAE decoder's
     */
    public MemoryPlan(final long budgetBytes, final long textEncoderBytes, final long transformerBytes,
            final long vaeDecoderBytes) {
        this.budgetBytes = budgetBytes;
        this.textEncoderBytes = textEncoderBytes;
        this.transformerBytes = transformerBytes;
        this.vaeDecoderBytes = vaeDecoderBytes;
    }

    /** The plan for these models under {@code options}' budget and (resolved) precision. */
    public static MemoryPlan of(final LtxCheckpoint checkpoint, final T5Config textEncoder, final BackendOptions options) {
        final Precision precision = options.resolved().precision();
        return new MemoryPlan(options.effectiveMemoryBudgetBytes(),
                textEncoder == null ? 0 : textEncoder(textEncoder).residentBytes(precision),
                transformer(checkpoint.transformerConfig()).residentBytes(precision),
                Parameters.unquantized(checkpoint.vaeWeights().scoped("decoder").parameterCount())
                        .residentBytes(Precision.FP32));
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    public long textEncoderBytes() {
        return textEncoderBytes;
    }

    public long transformerBytes() {
        return transformerBytes;
    }

    public long vaeDecoderBytes() {
        return vaeDecoderBytes;
    }

    /** Whether the text encoder must be closed before the transformer opens. */
    public boolean releaseTextEncoderAfterEncoding() {
        return textEncoderBytes + transformerBytes > budgetBytes;
    }

    /** Whether the transformer must be closed before the VAE decoder opens, by weights alone. */
    public boolean releaseTransformerBeforeDecoding() {
        return transformerBytes + vaeDecoderBytes > budgetBytes;
    }

    /**
     * Whether the transformer must be closed before the VAE decoder opens for a generation of this {@code estimate}:
     * by weights, or because an open transformer keeps its denoising memory (ONNX Runtime's arena holds the
     * activations' peak until the session closes) and, with the VAE decoder's weights, leaves the decode less than the
     * estimate's decoding stage. Measured on the bench model at 768×512×121 (int8, CFG, 6144 tokens; the estimate's
     * denoising stage 3.3 GB): 6.0 GB resident before the decode with the transformer open, against a 6000 MiB budget.
     */
    public boolean releaseTransformerBeforeDecoding(final MemoryEstimate estimate) {
        return releaseTransformerBeforeDecoding() || transformerBytes + estimate.denoisingBytes() + vaeDecoderBytes
                + estimate.decodingBytes() > budgetBytes;
    }

    /**
     * Whether a text encoder still open after denoising must be closed before the VAE decoder opens: when it, the
     * transformer if it stays open (with the denoising memory its session keeps), the VAE decoder and the estimate's
     * decoding stage exceed the budget. Measured on the real-topology 2B + T5-XXL in int8 at 768×512×121 with an
     * 11000 MiB budget: T5 (5.1 GB) stayed open through the decode, which then peaked at 12.3 GB.
     */
    public boolean releaseTextEncoderBeforeDecoding(final MemoryEstimate estimate, final boolean transformerOpen) {
        return textEncoderBytes > 0 && textEncoderBytes + (transformerOpen ? transformerBytes + estimate.denoisingBytes() : 0)
                + vaeDecoderBytes + estimate.decodingBytes() > budgetBytes;
    }

    /**
     * The parameters of one component as the int8 policy splits them.
     *
     * @param quantizedWeights  weights of the linears int8 quantizes
     * @param quantizedChannels output channels of those linears (each keeps a scale and a zero point)
     * @param other             every other parameter (biases included), kept float32
     */
    public record Parameters(long quantizedWeights, long quantizedChannels, long other) {
        /** A component nothing of which is quantized. */
        public static Parameters unquantized(final long parameters) {
            return new Parameters(0, 0, parameters);
        }

        public long total() {
            return quantizedWeights + other;
        }

        /** Resident bytes in {@code precision} (see the class comment); {@code AUTO} must be resolved first. */
        public long residentBytes(final Precision precision) {
            if (precision == Precision.AUTO) {
                throw new IllegalArgumentException("resolve Precision.AUTO before estimating memory");
            }
            if (precision == Precision.INT8) {
                return quantizedWeights + quantizedChannels * INT8_BYTES_PER_CHANNEL + other * Float.BYTES;
            }
            return total() * Float.BYTES;
        }
    }

    /**
     * The LTX-Video transformer's parameters from its config, tensor by tensor as {@code Transformer3D} reads them.
     * Quantized per block: attn1 and attn2 {@code to_q/k/v/out.0} (attn2's k and v read the caption width) and the
     * feed-forward {@code net.0.proj}, {@code net.2}. Float32: their biases, q/k RMS-norm scales, the block's
     * scale-shift table, and the patchify, timestep, adaln, caption and output projections.
     */
    public static Parameters transformer(final TransformerConfig config) {
        final long d = config.innerDim();
        final long cross = config.crossAttentionDim();
        final long ff = FF_MULT * d;
        final long blockWeights = 4 * d * d + (2 * d * d + 2 * d * cross) + 2 * d * ff;
        final long blockChannels = 4 * d + 4 * d + ff + d;
        final long blockOther = blockChannels + 2 * 2 * d + MODULATIONS * d;
        final long global = linear(config.inChannels(), d) + linear(TIMESTEP_CHANNELS, d) + linear(d, d)
                + linear(d, MODULATIONS * d) + linear(config.captionChannels(), d) + linear(d, d) + 2 * d
                + linear(d, config.outChannels());
        final long layers = config.numLayers();
        return new Parameters(layers * blockWeights, layers * blockChannels, layers * blockOther + global);
    }

    /**
     * The T5 v1.1 encoder's parameters from its config, as {@code T5Encoder} reads them. Quantized per block:
     * {@code q, k, v, o} and the gated feed-forward {@code wi_0, wi_1, wo} (no biases). Float32: the token embedding,
     * the relative position bias of block 0, two RMS norms per block and the final norm.
     */
    public static Parameters textEncoder(final T5Config config) {
        final long d = config.dModel();
        final long inner = (long) config.numHeads() * config.dKv();
        final long ff = config.dFf();
        final long blockWeights = 4 * inner * d + 3 * ff * d;
        final long blockChannels = 3 * inner + d + 2 * ff + d;
        final long layers = config.numLayers();
        final long other = (long) config.vocabSize() * d + (long) config.relativeAttentionNumBuckets() * config.numHeads()
                + layers * 2 * d + d;
        return new Parameters(layers * blockWeights, layers * blockChannels, other);
    }

    /** Weight and bias of a float32 linear {@code in → out}. */
    private static long linear(final long in, final long out) {
        return in * out + out;
    }
}
