package org.nifiltx.core.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.memory.VaeDecodeMemory;

/**
 * The memory the largest tensors of one generation need, from the request and the model configs alone, so that a size
 * that cannot fit is refused before any model loads. Two stages never overlap: denoising (the transformer's
 * activations, the latents of every step) and decoding (the VAE's activations, the decoded video); the peak is the
 * larger one. Model weights are not counted: they are the same for every request.
 *
 * <p>Everything is counted in doubles, which cannot overflow at any int size (2³¹ frames of 2³¹ × 2³¹ pixels is
 * 2⁹³ values), so the estimate stays meaningful where long products would wrap.
 *
 * <p>Attention is not counted as a tokens × tokens matrix: ONNX Runtime's CPU MultiHeadAttention streams it (the tiny
 * model at 33,792 tokens, 2 heads, peaked at 305 MB, where one score matrix per head would be 9 GB).
 */
public final class MemoryEstimate {
    /**
     * Bytes alive per token and batch item while the transformer runs ÷ (hidden width × 4 bytes): q, k, v, the
     * attention output, the feed-forward's 4× hidden layer, norms, RoPE tables and ONNX Runtime's arena. Fitted to the
     * peak resident set of random-weight transformers of width 64 and 256 at 2,048 and 9,216 tokens (11.6 and 34 KB
     * per token; {@code ltx bench --stage transformer}).
     */
    static final int TRANSFORMER_WIDTH_COPIES = 32;
    /** The same for the text-length terms: the cross-attention bias [B, 1, N, L] and its copies. */
    static final int TEXT_COPIES = 8;
    /**
     * A conditioned request's timesteps are per token, and so is AdaLN-single's modulation: 6 × hidden width values per
     * token and batch item out of the timestep embedding, and a block's copy of them with its scale-shift table added
     * (one block at a time: each block's copy waits for that block's input).
     */
    static final int PER_TOKEN_MODULATION_COPIES = 2 * 6;
    /** Latent copies besides the step history: the initial noise, the current latents and the output. */
    static final int LATENT_COPIES = 3;
    /**
     * Bytes per decoded pixel: the float32 video [1, 3, F, H, W] out of ONNX Runtime and its copy in post-processing
     * (2 × 12), the uint8 frames [F, H, W, 3] of the decoder and of post-processing (2 × 3).
     */
    static final int DECODED_BYTES_PER_PIXEL = 30;
    /** The largest tensor one Java buffer holds: a ByteBuffer (and a float[]) is indexed by int. */
    static final long BUFFER_LIMIT = Integer.MAX_VALUE;

    /** One named share of a stage. */
    public record Part(String name, double bytes) {
    }

    private final int numFrames;
    private final int height;
    private final int width;
    private final int temporal;
    private final List<Part> denoising;
    private final List<Part> decoding;

    MemoryEstimate(final int numFrames, final int height, final int width, final int temporal, final List<Part> denoising,
            final List<Part> decoding) {
        this.numFrames = numFrames;
        this.height = height;
        this.width = width;
        this.temporal = temporal;
        this.denoising = denoising;
        this.decoding = decoding;
    }

    /** The estimate for a request that passed {@link GenerationRequest#validate(int, int)}. */
    public static MemoryEstimate of(final GenerationRequest request, final TransformerConfig transformer, final VaeConfig vae) {
        final double tokens = tokens(request.numFrames(), request.height(), request.width(), transformer, vae);
        final double batch = 1 + (request.classifierFreeGuidance() ? 1 : 0) + (request.spatioTemporalGuidance() ? 1 : 0);
        final double channels = transformer.inChannels();
        double steps = 0;
        for (final PassSettings pass : request.passes()) {
            steps += pass.timesteps() != null ? pass.timesteps().size() : pass.steps();
        }
        final double latentBytes = tokens * channels * Float.BYTES;
        final List<Part> denoising = new ArrayList<>(List.of(
                new Part("transformer activations", batch * tokens * Float.BYTES
                        * ((double) TRANSFORMER_WIDTH_COPIES * transformer.innerDim() + (double) TEXT_COPIES * request.maxLength())),
                new Part("latents", (steps + batch + LATENT_COPIES) * latentBytes)));
        if (request.imageToVideo()) {
            denoising.add(new Part("per-token modulation",
                    batch * tokens * Float.BYTES * (double) PER_TOKEN_MODULATION_COPIES * transformer.innerDim()));
        }
        return new MemoryEstimate(request.numFrames(), request.height(), request.width(), vae.temporalCompression(),
                List.copyOf(denoising), decoding(request.numFrames(), request.height(), request.width(), transformer, vae));
    }

    /** The estimate of the decoding stage alone, for a spec that passed {@link DecodeSpec#validate(int, int)}. */
    public static MemoryEstimate ofDecoding(final DecodeSpec spec, final TransformerConfig transformer, final VaeConfig vae) {
        return new MemoryEstimate(spec.numFrames(), spec.height(), spec.width(), vae.temporalCompression(), List.of(),
                decoding(spec.numFrames(), spec.height(), spec.width(), transformer, vae));
    }

    private static double tokens(final int numFrames, final int height, final int width, final TransformerConfig transformer,
            final VaeConfig vae) {
        final double latentFrames = (numFrames - 1) / vae.temporalCompression() + 1;
        return latentFrames * (height / vae.spatialCompression()) * (width / vae.spatialCompression())
                / ((double) transformer.patchSizeT() * transformer.patchSize() * transformer.patchSize());
    }

    private static List<Part> decoding(final int numFrames, final int height, final int width, final TransformerConfig transformer,
            final VaeConfig vae) {
        final double pixels = (double) numFrames * height * width;
        final double latentBytes = tokens(numFrames, height, width, transformer, vae) * transformer.inChannels() * Float.BYTES;
        return List.of(
                new Part("decoded video", DECODED_BYTES_PER_PIXEL * pixels),
                new Part("VAE decode", vaeDecode(vae, (numFrames - 1) / vae.temporalCompression() + 1,
                        height / vae.spatialCompression(), width / vae.spatialCompression())),
                new Part("latents", LATENT_COPIES * latentBytes));
    }

    /**
     * The smallest tiles' decode: the decoder tiles within the memory it is given, so only a decode whose smallest
     * tiles do not fit cannot run. Latent grids are small enough here for exact long arithmetic; one that is not
     * counts as unbounded.
     */
    private static double vaeDecode(final VaeConfig vae, final double frames, final double height, final double width) {
        try {
            return VaeDecodeMemory.smallestTilePeakBytes(vae, 1, (long) frames, (long) height, (long) width);
        } catch (final ArithmeticException e) {
            return Double.POSITIVE_INFINITY;
        }
    }

    public List<Part> denoising() {
        return denoising;
    }

    public List<Part> decoding() {
        return decoding;
    }

    public double denoisingBytes() {
        return total(denoising);
    }

    public double decodingBytes() {
        return total(decoding);
    }

    /** The larger stage: what the generation needs at its peak. */
    public double peakBytes() {
        return Math.max(denoisingBytes(), decodingBytes());
    }

    /**
     * Refuses (INVALID_ARGUMENT: the same request never fits, so a NiFi flow must not retry it) a request whose peak
     * passes {@code budgetBytes}, or whose decoded video is larger than a Java buffer holds.
     */
    public void requireWithin(final long budgetBytes) {
        final boolean decodingPeak = decodingBytes() >= denoisingBytes();
        requireStage(decodingPeak ? decoding : denoising, decodingPeak ? "decoding" : "denoising", budgetBytes);
        requireVideoBuffer();
    }

    /** The same for the decoding stage alone (latents that exist already). */
    public void requireDecodingWithin(final long budgetBytes) {
        requireStage(decoding, "decoding", budgetBytes);
        requireVideoBuffer();
    }

    private void requireStage(final List<Part> parts, final String stage, final long budgetBytes) {
        final double need = total(parts);
        if (need > budgetBytes) {
            final String shares = parts.stream().sorted(Comparator.comparingDouble(Part::bytes).reversed())
                    .map(part -> part.name() + " " + MemoryBudget.format(part.bytes())).collect(Collectors.joining(", "));
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, size() + " need about " + MemoryBudget.format(need)
                    + " while " + stage + " (" + shares + "); the memory budget is " + MemoryBudget.format(budgetBytes));
        }
    }

    /**
     * The decoded float32 video [1, 3, F, H, W] is one Java buffer, indexed by int: the largest tensor the pipeline
     * holds (the latents take far fewer bytes per pixel).
     */
    private void requireVideoBuffer() {
        final double bytes = 3.0 * Float.BYTES * numFrames * height * width;
        if (bytes > BUFFER_LIMIT) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, size() + " make a decoded video [1, 3, " + numFrames
                    + ", " + height + ", " + width + "] of " + MemoryBudget.format(bytes)
                    + " in float32, more than one buffer holds (" + MemoryBudget.format(BUFFER_LIMIT) + "); " + largestFit());
        }
    }

    /** What does fit at this width and height, so the message says what to ask for instead. */
    private String largestFit() {
        final double perFrame = 3.0 * Float.BYTES * height * width;
        final long frames = (long) Math.floor(BUFFER_LIMIT / perFrame);
        final long fit = frames < 1 ? 0 : (frames - 1) / temporal * temporal + 1;
        return fit < 1 ? "no frame of " + width + "x" + height + " fits: use a smaller size"
                : "at " + width + "x" + height + " at most " + fit + " frames fit";
    }

    private String size() {
        return numFrames + (numFrames == 1 ? " frame of " : " frames of ") + width + "x"
                + height;
    }

    private static double total(final List<Part> parts) {
        return parts.stream().mapToDouble(Part::bytes).sum();
    }
}
