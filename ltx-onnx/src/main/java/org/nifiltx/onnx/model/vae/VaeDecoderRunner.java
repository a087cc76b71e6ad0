package org.nifiltx.onnx.model.vae;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.FramesPostprocess;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * VAE decode: {@code latents_normalized} [B, C, F, h, w] and {@code decode_timestep} [B] (timestep-conditioned
 * decoders) → {@code video} [B, 3, 8(F−1)+1, 32h, 32w] and {@code frames_uint8} [F_px, H, W, 3] of batch item 0.
 * Decoders with noise injection (0.9.1) also take one [H, W] noise map per injection point (names from
 * {@link #noiseInputNames()}); maps not given are drawn from N(0, 1) with a fixed seed.
 */
public final class VaeDecoderRunner implements ComponentRunner {
    /** Seed for noise maps the caller does not supply, so that a decode is repeatable. */
    private static final long NOISE_SEED = 0;

    private final VaeConfig config;
    private final ComponentContract contract;
    private final List<Decoder.NoiseInput> noiseInputs;
    private final OnnxSession session;

    private VaeDecoderRunner(final VaeConfig config, final List<Decoder.NoiseInput> noiseInputs,
            final OnnxSession session) {
        this.config = config;
        this.contract = ComponentContract.vaeDecode(config);
        this.noiseInputs = noiseInputs;
        this.session = session;
    }

    public static VaeDecoderRunner open(final LtxCheckpoint checkpoint, final SessionConfig config) {
        final VaeConfig vae = checkpoint.vaeConfig();
        final VaeGraphs.DecoderGraph graph = VaeGraphs.decoderGraph(vae, checkpoint.vaeWeights());
        final OnnxSession session = OnnxSession.create(graph.graph(), config);
        return new VaeDecoderRunner(vae, graph.noiseInputs(), session);
    }

    /** Names of the noise map inputs (empty unless the decoder injects noise). */
    public List<String> noiseInputNames() {
        return noiseInputs.stream().map(Decoder.NoiseInput::name).toList();
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        return session.run(feeds(inputs));
    }

    /**
     * Decodes in overlapping spatial tiles blended as diffusers' {@code enable_tiling} does (memory-bounded; differs
     * from {@link #run(TensorBundle)} near the seams). Latents that fit in one tile are decoded whole. Noise maps are
     * cut to each tile's window. {@code frames_uint8} is rounded from the blended video.
     */
    public TensorBundle run(final TensorBundle inputs, final DecodeTiling tiling) {
        contract.validate(inputs);
        final int spatial = config.spatialCompression();
        tiling.requireMultipleOf(spatial);
        final TensorBundle full = feeds(inputs);
        final Tensor latents = full.get("latents_normalized");
        final long height = latents.dim(3);
        final long width = latents.dim(4);
        if (height <= tiling.tileSampleMinHeight() / spatial && width <= tiling.tileSampleMinWidth() / spatial) {
            return session.run(full);
        }
        final Tensor video = TiledDecode.decode(height, width, spatial, tiling, window -> {
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
        return TensorBundle.of(Map.of("video", video,
                "frames_uint8", FramesPostprocess.toUint8(video, FramesPostprocess.Rounding.ROUND)));
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
