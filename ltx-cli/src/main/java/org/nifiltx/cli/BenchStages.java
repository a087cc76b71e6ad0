package org.nifiltx.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.latent.LatentLayout;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * The component stages of {@code ltx bench --model}: for each, seeded random inputs of the contract shapes
 * ({@link ComponentContract}), the output compared across precisions, and how to open the runner through the backend SPI.
 */
final class BenchStages {
    static final String TEXT_ENCODER = "text-encoder";
    static final String TRANSFORMER = "transformer";
    static final String VAE_ENCODE = "vae-encode";
    static final String VAE_DECODE = "vae-decode";
    static final String UPSAMPLE = "upsample";
    static final String PIPELINE = "pipeline";
    /** Every stage, in the order {@code --stage all} runs them. */
    static final List<String> ALL = List.of(TEXT_ENCODER, TRANSFORMER, VAE_ENCODE, VAE_DECODE, UPSAMPLE, PIPELINE);

    /** One component stage ready to time: its inputs, the output compared across precisions, how to open it. */
    record Prepared(String stage, TensorBundle inputs, String output, Map<String, Object> shape,
            Function<BackendOptions, ComponentRunner> open) {
    }

    /** Pixel shape and sizes the stages are built for. */
    record Sizes(int frames, int height, int width, int batch, int textLen, long seed) {
    }

    private final LtxCheckpoint checkpoint;
    private final TextEncoderModel textEncoder;
    private final LatentUpsamplerModel upsampler;
    private final Backend backend;
    private final Sizes sizes;
    private final int latentFrames;
    private final int latentHeight;
    private final int latentWidth;

    BenchStages(final LtxCheckpoint checkpoint, final TextEncoderModel textEncoder, final LatentUpsamplerModel upsampler,
            final Backend backend, final Sizes sizes) {
        this.checkpoint = checkpoint;
        this.textEncoder = textEncoder;
        this.upsampler = upsampler;
        this.backend = backend;
        this.sizes = sizes;
        final VaeConfig vae = checkpoint.vaeConfig();
        this.latentFrames = (sizes.frames() - 1) / vae.temporalCompression() + 1;
        this.latentHeight = sizes.height() / vae.spatialCompression();
        this.latentWidth = sizes.width() / vae.spatialCompression();
    }

    /** The text encoder of {@code --text-encoder}, else the model's own (a diffusers folder with text_encoder/), else null. */
    static TextEncoderModel openTextEncoder(final Path model, final Path textEncoder) {
        if (textEncoder != null) {
            return TextEncoderModel.open(textEncoder);
        }
        return Files.isDirectory(model.resolve("text_encoder")) ? TextEncoderModel.open(model) : null;
    }

    /** The stages this model has: the text encoder and pipeline need a text encoder, upsample an upsampler. */
    boolean has(final String stage) {
        return switch (stage) {
            case TEXT_ENCODER, PIPELINE -> textEncoder != null;
            case UPSAMPLE -> upsampler != null;
            default -> true;
        };
    }

    /** Why {@code stage} cannot run on this model, for a stage asked for by name. */
    String missing(final String stage) {
        return switch (stage) {
            case UPSAMPLE -> "--stage upsample needs --upsampler (a latent upsampler file or folder)";
            default -> "--stage " + stage + " needs a text encoder: " + checkpoint.path()
                    + " carries no text_encoder/ (give --text-encoder: a diffusers folder, text_encoder folder or T5 .gguf)";
        };
    }

    int latentFrames() {
        return latentFrames;
    }

    int latentHeight() {
        return latentHeight;
    }

    int latentWidth() {
        return latentWidth;
    }

    Prepared prepare(final String stage) {
        final SplittableRandom random = new SplittableRandom(sizes.seed());
        return switch (stage) {
            case TEXT_ENCODER -> textEncoderStage(random);
            case TRANSFORMER -> transformerStage(random);
            case VAE_ENCODE -> vaeEncodeStage(random);
            case VAE_DECODE -> vaeDecodeStage(random);
            case UPSAMPLE -> upsampleStage(random);
            default -> throw new IllegalArgumentException(stage);
        };
    }

    private Prepared textEncoderStage(final SplittableRandom random) {
        final int vocab = textEncoder.config().vocabSize();
        final int low = vocab > 3 ? 3 : 0;
        final long[] ids = new long[sizes.textLen()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(low, vocab);
        }
        final long[] mask = new long[sizes.textLen()];
        Arrays.fill(mask, 1);
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input_ids", Tensor.ofLongs(new long[] {1, sizes.textLen()}, ids));
        in.put("attention_mask", Tensor.ofLongs(new long[] {1, sizes.textLen()}, mask));
        final Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("batch", 1);
        shape.put("text_len", sizes.textLen());
        return prepared(TEXT_ENCODER, ComponentContract.textEncoder(textEncoder.config()), in, "last_hidden_state", shape,
                options -> backend.textEncoder(textEncoder.config(), textEncoder.weights(), true, options));
    }

    private Prepared transformerStage(final SplittableRandom random) {
        final TransformerConfig config = checkpoint.transformerConfig();
        final int batch = sizes.batch();
        final int text = sizes.textLen();
        final int tokens = latentFrames * latentHeight * latentWidth;
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("hidden_states", Tensor.ofFloats(new long[] {batch, tokens, config.inChannels()},
                gaussian(random, batch * tokens * config.inChannels())));
        in.put("encoder_hidden_states", Tensor.ofFloats(new long[] {batch, text, config.captionChannels()},
                gaussian(random, batch * text * config.captionChannels())));
        final long[] mask = new long[batch * text];
        Arrays.fill(mask, 1);
        in.put("encoder_attention_mask", Tensor.ofLongs(new long[] {batch, text}, mask));
        final float[] timestep = new float[batch];
        Arrays.fill(timestep, 0.5f);
        in.put("timestep", Tensor.ofFloats(new long[] {batch}, timestep));
        final boolean causal = config.causalTemporalPositioning().orElse(checkpoint.modelVersion().equals("0.9.5+"));
        in.put("video_coords", LatentLayout.videoCoords(batch, latentFrames, latentHeight, latentWidth, 25, causal,
                checkpoint.vaeConfig().spatialCompression(), checkpoint.vaeConfig().temporalCompression()));
        final Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("batch", batch);
        shape.put("tokens", tokens);
        shape.put("text_len", text);
        shape.put("latent", List.of(latentFrames, latentHeight, latentWidth));
        shape.put("layers", config.numLayers());
        return prepared(TRANSFORMER, ComponentContract.transformer(config), in, "out", shape,
                options -> backend.transformer(checkpoint, options));
    }

    private Prepared vaeDecodeStage(final SplittableRandom random) {
        final VaeConfig vae = checkpoint.vaeConfig();
        final long[] latents = {1, vae.latentChannels(), latentFrames, latentHeight, latentWidth};
        final Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("latents_normalized", Tensor.ofFloats(latents, gaussian(random, (int) Tensor.numel(latents))));
        if (vae.timestepConditioning()) {
            in.put("decode_timestep", Tensor.ofFloats(new long[] {1}, new float[] {0.05f}));
        }
        return prepared(VAE_DECODE, ComponentContract.vaeDecode(vae), in, "video", pixelShape("latents", latents),
                options -> backend.vaeDecoder(checkpoint, options));
    }

    private Prepared vaeEncodeStage(final SplittableRandom random) {
        final VaeConfig vae = checkpoint.vaeConfig();
        final long[] video = {1, vae.inChannels(), sizes.frames(), sizes.height(), sizes.width()};
        final Map<String, Tensor> in = Map.of("video", Tensor.ofFloats(video, uniform(random, (int) Tensor.numel(video))));
        return prepared(VAE_ENCODE, ComponentContract.vaeEncode(vae), in, "latent_mean", pixelShape("video", video),
                options -> backend.vaeEncoder(checkpoint, options));
    }

    private Prepared upsampleStage(final SplittableRandom random) {
        final long[] latents = {1, upsampler.inChannels(), latentFrames, latentHeight, latentWidth};
        final Map<String, Tensor> in = Map.of("latents_raw", Tensor.ofFloats(latents, gaussian(random, (int) Tensor.numel(latents))));
        return prepared(UPSAMPLE, ComponentContract.upsample(upsampler), in, "upsampled_raw", pixelShape("latents", latents),
                options -> backend.latentUpsampler(upsampler, options));
    }

    private Map<String, Object> pixelShape(final String key, final long[] tensor) {
        final Map<String, Object> shape = new LinkedHashMap<>();
        shape.put(key, Arrays.stream(tensor).boxed().toList());
        shape.put("frames", sizes.frames());
        shape.put("height", sizes.height());
        shape.put("width", sizes.width());
        return shape;
    }

    private static Prepared prepared(final String stage, final ComponentContract contract, final Map<String, Tensor> in,
            final String output, final Map<String, Object> shape, final Function<BackendOptions, ComponentRunner> open) {
        final TensorBundle inputs = TensorBundle.of(in);
        contract.validate(inputs);
        if (!contract.outputs().contains(output)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, stage + " has no output " + output);
        }
        return new Prepared(stage, inputs, output, shape, open);
    }

    /** Uniform in [-1, 1): what the random-weight bench has always fed (the spread of normalised latents and pixels). */
    static float[] uniform(final SplittableRandom random, final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** Standard normal draws (Box–Muller), like latents and T5 embeddings. */
    static float[] gaussian(final SplittableRandom random, final int n) {
        final float[] v = new float[n];
        for (int i = 0; i < n; i += 2) {
            final double u1 = 1.0 - random.nextDouble();
            final double u2 = random.nextDouble();
            final double r = Math.sqrt(-2 * Math.log(u1));
            v[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < n) {
                v[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return v;
    }
}
