package org.nifiltx.nifi.service;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.pipeline.LtxModels;

/**
 * The ONNX Runtime sessions a configuration needs, in the order Verify reports and enable builds them. The text encoder
 * comes first so that, when it is released after the build, the transformer is built without it in memory.
 */
enum ModelPart {
    /** The T5 of the official semantics (with its mask): the Compatibility the processors default to. */
    TEXT_ENCODER("Text Encoder", models -> models.textEncoder(true), models -> models.textEncoderModel().isPresent()),
    TRANSFORMER("Transformer", LtxModels::transformer, models -> true),
    VAE_DECODER("VAE Decoder", LtxModels::vaeDecoder, models -> true),
    VAE_ENCODER("VAE Encoder", LtxModels::vaeEncoder, models -> true),
    LATENT_UPSAMPLER("Latent Upsampler", LtxModels::upsampler, models -> models.upsamplerModel().isPresent());

    /**
     * What enable builds: all but the VAE encoder, which only image-to-video uses; it is as large as the decoder, so a
     * text-to-video flow should not hold it. Verify builds it, so a broken one still shows before the first image.
     */
    static final List<ModelPart> AT_ENABLE = List.of(TEXT_ENCODER, TRANSFORMER, VAE_DECODER, LATENT_UPSAMPLER);

    private final String displayName;
    private final Function<LtxModels, ComponentRunner> build;
    private final Predicate<LtxModels> configured;

    ModelPart(final String displayName, final Function<LtxModels, ComponentRunner> build,
            final Predicate<LtxModels> configured) {
        this.displayName = displayName;
        this.build = build;
        this.configured = configured;
    }

    /** The verification step's name, e.g. "VAE Decoder". */
    String displayName() {
        return displayName;
    }

    /** Whether the configuration has this part at all (a text encoder, an upsampler path). */
    boolean configured(final LtxModels models) {
        return configured.test(models);
    }

    /** Builds this part's session into {@code models} (which keeps it) and returns the milliseconds it took. */
    long build(final LtxModels models) {
        final long started = System.nanoTime();
        build.apply(models);
        return (System.nanoTime() - started) / 1_000_000;
    }
}
