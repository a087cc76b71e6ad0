package org.nifiltx.onnx.model.vae;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.memory.VaeDecodeMemory;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FramesPostprocess;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * VAE decode: {@code latents_normalized} [B, C, F, h, w] and {@code decode_timestep} [B] (timestep-conditioned
 * decoders) → {@code video} [B, 3, 8(F−1)+1, 32h, 32w] and {@code frames_uint8} [F_px, H, W, 3] of batch item 0.
 * Decoders with noise injection (0.9.1) also take one [H, W] noise map per injection point (names from
 * {@link #noiseInputNames()}); maps not given are drawn from N(0, 1) with a fixed seed.
 *
 * <p>{@link #run(TensorBundle)} decodes whole when the estimated peak memory fits the runner's budget and in tiles
 * otherwise ({@link DecodeTiling#forBudget}); the budget defaults to {@link MemoryBudget#defaultBytes()}, and
 * {@link #open(LtxCheckpoint, SessionConfig, DecodeTiling)} fixes the tiling instead (e.g. {@link DecodeTiling#NONE}).
 */
public final class VaeDecoderRunner implements ComponentRunner {
    /**
     * A decode within a process budget tiles within at least 1/4 of the budget, even when the process already holds
     * more than the rest: the smallest tiles (2×2 latent pixels, 3 frames) would take thousands of decoder runs at
     * 768×512×121 for little memory saved, since what the process holds then is not the decode's.
     */
    private static final long MIN_BUDGET_SHARE = 4;
    /** Seed for noise maps the caller does not supply, so that a decode is repeatable. */
    private static final long NOISE_SEED = 0;

    private final VaeConfig config;
    private final ComponentContract contract;
    private final List<Decoder.NoiseInput> noiseInputs;
    private final OnnxSession session;
    /** The tiling of every {@link #run(TensorBundle)}, or null to choose one per call from {@link #budgetBytes}. */
    private final DecodeTiling fixedTiling;
    private final long budgetBytes;
    /** Whether {@link #budgetBytes} bounds the whole process (see {@link #openWithinProcessBudget}). */
    private final boolean processBudget;
    /** Whether the bulk convolutions are int8 (their scratch counts in the tiling's estimate). */
    private final boolean int8;

    private VaeDecoderRunner(final VaeConfig config, final List<Decoder.NoiseInput> noiseInputs,
            final OnnxSession session, final DecodeTiling fixedTiling, final long budgetBytes,
            final boolean processBudget, final boolean int8) {
        this.config = config;
        this.contract = ComponentContract.vaeDecode(config);
        this.noiseInputs = noiseInputs;
        this.session = session;
        this.fixedTiling = fixedTiling;
        this.budgetBytes = budgetBytes;
        this.processBudget = processBudget;
        this.int8 = int8;
    }

    /** A runner that tiles automatically within {@link MemoryBudget#defaultBytes()}. */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config) {
        return open(checkpoint, config, NumericPolicy.fp32());
    }

    /** A runner computing as {@code policy} says that tiles automatically within the default budget. */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final NumericPolicy policy) {
        return create(checkpoint, config, null, MemoryBudget.defaultBytes(), false, policy);
    }

    /** A runner that tiles automatically so that a decode's estimated peak stays within {@code budgetBytes}. */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final long budgetBytes) {
        return open(checkpoint, config, budgetBytes, NumericPolicy.fp32());
    }

    /** A runner computing as {@code policy} says that tiles automatically within {@code budgetBytes}. */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final long budgetBytes, final NumericPolicy policy) {
        requirePositive(budgetBytes);
        return create(checkpoint, config, null, budgetBytes, false, policy);
    }

    /**
     * A runner whose decodes keep the whole process within {@code budgetBytes} (a generation's budget): each decode
     * tiles within what the budget leaves after the anonymous memory the process holds when the decode starts (other
     * components' weights and arenas, the JVM heap) and the decode's whole-video buffers, but within no less than a
     * quarter of the budget (see {@link #MIN_BUDGET_SHARE}).
     */
    public static VaeDecoderRunner openWithinProcessBudget(final LtxCheckpoint checkpoint, final SessionConfig config,
            final long budgetBytes, final NumericPolicy policy) {
        requirePositive(budgetBytes);
        return create(checkpoint, config, null, budgetBytes, true, policy);
    }

    private static void requirePositive(final long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "vae-decode: memory budget must be positive, got " + budgetBytes + " bytes");
        }
    }

    /** A runner that always decodes with {@code tiling} ({@link DecodeTiling#NONE}: always whole). */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final DecodeTiling tiling) {
        return open(checkpoint, config, tiling, NumericPolicy.fp32());
    }

    /** A runner computing as {@code policy} says that always decodes with {@code tiling}. */
    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config,
            final DecodeTiling tiling, final NumericPolicy policy) {
        return create(checkpoint, config, tiling, 0, false, policy);
    }

    private static VaeDecoderRunner create(final LtxCheckpoint checkpoint, final SessionConfig config,
            final DecodeTiling tiling, final long budgetBytes, final boolean processBudget, final NumericPolicy policy) {
        final VaeConfig vae = checkpoint.vaeConfig();
        final VaeGraphs.DecoderGraph graph = VaeGraphs.decoderGraph(vae, checkpoint.vaeWeights(), policy, config);
        // tiles of several shapes run in turn: see SessionConfig#memoryPattern
        final OnnxSession session = OnnxSession.create(graph.graph(), config.withoutMemoryPattern());
        return new VaeDecoderRunner(vae, graph.noiseInputs(), session, tiling, budgetBytes, processBudget, policy.int8());
    }

    /** The tiling {@link #run(TensorBundle)} uses for these inputs. */
    public DecodeTiling tilingFor(final TensorBundle inputs) {
        if (fixedTiling != null) {
            return fixedTiling;
        }
        final long[] shape = inputs.get("latents_normalized").shape();
        long budget = budgetBytes;
        if (processBudget) {
            final long left = budgetBytes - MemoryBudget.residentAnonymousBytes()
                    - VaeDecodeMemory.videoBytes(config, shape[0], shape[2], shape[3], shape[4]);
            budget = Math.max(left, budgetBytes / MIN_BUDGET_SHARE);
        }
        return DecodeTiling.forBudget(budget, config, int8, shape);
    }

    /** Names of the noise map inputs (empty unless the decoder injects noise). */
    public List<String> noiseInputNames() {
        return noiseInputs.stream().map(Decoder.NoiseInput::name).toList();
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        return run(inputs, tilingFor(inputs));
    }

    /**
     * Decodes in overlapping tiles blended as diffusers' {@code enable_tiling} and framewise decoding do
     * (memory-bounded; differs from the untiled decode near the seams): temporal chunks first, each decoded in
     * spatial tiles. Latents that fit in one tile are decoded whole, as is everything with {@link DecodeTiling#NONE}.
     * Noise maps are cut to each tile's window. {@code frames_uint8} is rounded from the blended video.
     */
    public TensorBundle run(final TensorBundle inputs, final DecodeTiling tiling) {
        final Tensor video = decodeVideo(inputs, tiling);
        return TensorBundle.of(Map.of("video", video,
                "frames_uint8", FramesPostprocess.toUint8(video, FramesPostprocess.Rounding.ROUND)));
    }

    /** The video alone, without {@code frames_uint8}: a pipeline converts it with its own rounding. */
    @Override
    public Tensor run(final TensorBundle inputs, final String output) {
        if (!output.equals("video")) {
            return run(inputs).get(output);
        }
        contract.validate(inputs);
        return decodeVideo(inputs, tilingFor(inputs));
    }

    private Tensor decodeVideo(final TensorBundle inputs, final DecodeTiling tiling) {
        contract.validate(inputs);
        final int temporal = config.temporalCompression();
        tiling.requireMultipleOf(config.spatialCompression(), temporal);
        final TensorBundle full = feeds(inputs);
        final Tensor latents = full.get("latents_normalized");
        final int frames = (int) latents.dim(2);
        if (tiling.temporal() && frames > tiling.tileSampleMinNumFrames() / temporal + 1) {
            return TemporalTiledDecode.decode(frames, temporal, tiling, (start, end) -> decodeSpatially(
                    full.with("latents_normalized", TemporalTiledDecode.frames(latents, start, end)), tiling));
        }
        return decodeSpatially(full, tiling);
    }

    /** The decoder's video [B, C, t(F − 1) + 1, s·h, s·w] for latents [B, C', F, h, w], written in place (pinned). */
    private long[] videoShape(final Tensor latents) {
        final long[] shape = latents.shape();
        final long spatial = config.spatialCompression();
        return new long[] {shape[0], config.outChannels(), config.temporalCompression() * (shape[2] - 1) + 1, shape[3] * spatial,
            shape[4] * spatial};
    }

    private boolean spansSeveralTiles(final Tensor latents, final DecodeTiling tiling) {
        final int spatial = config.spatialCompression();
        return tiling.spatial() && (latents.dim(3) > tiling.tileSampleMinHeight() / spatial
                || latents.dim(4) > tiling.tileSampleMinWidth() / spatial);
    }

    /** The video of complete graph feeds, decoded in spatial tiles when they span several. */
    private Tensor decodeSpatially(final TensorBundle full, final DecodeTiling tiling) {
        final Tensor latents = full.get("latents_normalized");
        if (!spansSeveralTiles(latents, tiling)) {
            return session.run(full, Map.of("video", videoShape(latents))).get("video");
        }
        return TiledDecode.decode(latents.dim(3), latents.dim(4), config.spatialCompression(), tiling, window -> {
            TensorBundle tile = full.with("latents_normalized",
                    TiledDecode.window(latents, window[0], window[1], window[2], window[3]));
            for (final Decoder.NoiseInput noise : noiseInputs) {
                final int scale = (int) noise.spatialScale();
                final Tensor map = TiledDecode.window(full.get(noise.name()), window[0] * scale, window[1] * scale,
                        window[2] * scale, window[3] * scale);
                tile = tile.with(noise.name(), map);
            }
            return session.run(tile).get("video");
        });
    }

    /** The graph feeds: float32 inputs plus every noise map (given ones checked, missing ones drawn). */
    private TensorBundle feeds(final TensorBundle inputs) {
        TensorBundle feeds = VaeInputs.asFloat32(inputs, "latents_normalized", "decode_timestep");
        final Tensor latents = inputs.get("latents_normalized");
        final Random random = new Random(NOISE_SEED);
        for (final Decoder.NoiseInput noise : noiseInputs) {
            final long[] shape = {latents.dim(3) * noise.spatialScale(), latents.dim(4) * noise.spatialScale()};
            final Tensor given = inputs.find(noise.name()).orElse(null);
            if (given == null) {
                final float[] values = new float[Math.toIntExact(shape[0] * shape[1])];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) random.nextGaussian();
                }
                feeds = feeds.with(noise.name(), Tensor.ofFloats(shape, values));
            } else if (!Arrays.equals(given.shape(), shape)) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, contract.component().cliName() + ": input '"
                        + noise.name() + "' has shape " + Tensor.shapeString(given.shape()) + ", expected "
                        + Tensor.shapeString(shape));
            } else {
                given.requireFinite(noise.name());
                feeds = feeds.with(noise.name(), given.toF32());
            }
        }
        return feeds;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (final RuntimeException e) {
            // close never throws: the session is gone either way
        }
    }
}
