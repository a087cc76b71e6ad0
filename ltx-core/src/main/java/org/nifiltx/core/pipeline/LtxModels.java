package org.nifiltx.core.pipeline;

import java.util.Optional;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * The models of one deployment (checkpoint, text encoder, optional latent upsampler) and the component runners a
 * backend opened for them. Runners open on first use and stay open until {@link #close()}; the text encoder can be
 * released after encoding so the transformer fits, and the transformer before the VAE decoder opens, as the
 * {@link #memoryPlan()} for the options' budget says ({@link LtxPipeline#generate} follows it). Safe to share between
 * threads; releasing is for a caller that knows no other thread still runs the released component.
 */
public final class LtxModels implements AutoCloseable {
    private final LtxCheckpoint checkpoint;
    private final TextEncoderModel textEncoderModel;
    private final LatentUpsamplerModel upsamplerModel;
    private final Backend backend;
    private final BackendOptions options;
    private ComponentRunner transformer;
    private ComponentRunner vaeDecoder;
    private ComponentRunner vaeEncoder;
    private ComponentRunner upsampler;
    private ComponentRunner maskedTextEncoder;
    private ComponentRunner unmaskedTextEncoder;
    private MemoryPlan memoryPlan;

    public LtxModels(final LtxCheckpoint checkpoint, final TextEncoderModel textEncoderModel,
            final LatentUpsamplerModel upsamplerModel, final Backend backend, final BackendOptions options) {
        this.checkpoint = checkpoint;
        this.textEncoderModel = textEncoderModel;
        this.upsamplerModel = upsamplerModel;
        this.backend = backend;
        this.options = options;
    }

    public LtxCheckpoint checkpoint() {
        return checkpoint;
    }

    public Optional<TextEncoderModel> textEncoderModel() {
        return Optional.ofNullable(textEncoderModel);
    }

    public Optional<LatentUpsamplerModel> upsamplerModel() {
        return Optional.ofNullable(upsamplerModel);
    }

    public synchronized ComponentRunner transformer() {
        if (transformer == null) {
            transformer = backend.transformer(checkpoint, options);
        }
        return transformer;
    }

    public synchronized ComponentRunner vaeDecoder() {
        if (vaeDecoder == null) {
            vaeDecoder = backend.vaeDecoder(checkpoint, options);
        }
        return vaeDecoder;
    }

    public synchronized ComponentRunner vaeEncoder() {
        if (vaeEncoder == null) {
            vaeEncoder = backend.vaeEncoder(checkpoint, options);
        }
        return vaeEncoder;
    }

    /** The latent upsampler's model, or an INVALID_ARGUMENT error when none was given (multi-scale needs one). */
    public LatentUpsamplerModel requireUpsamplerModel() {
        if (upsamplerModel == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "multi-scale generation needs a latent upsampler (ltxv-spatial-upscaler-*.safetensors); none was given");
        }
        return upsamplerModel;
    }

    public synchronized ComponentRunner upsampler() {
        if (upsampler == null) {
            upsampler = backend.latentUpsampler(requireUpsamplerModel(), options);
        }
        return upsampler;
    }

    /** The T5 runner, with or without the attention mask inside T5 (official vs diffusers LTXPipeline). */
    public synchronized ComponentRunner textEncoder(final boolean useMask) {
        if (textEncoderModel == null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "no text encoder: the model " + checkpoint.path()
                    + " carries none; give one (a diffusers text_encoder folder or a T5 GGUF file)");
        }
        if (useMask) {
            if (maskedTextEncoder == null) {
                maskedTextEncoder = backend.textEncoder(textEncoderModel.config(), textEncoderModel.weights(), true, options);
            }
            return maskedTextEncoder;
        }
        if (unmaskedTextEncoder == null) {
            unmaskedTextEncoder = backend.textEncoder(textEncoderModel.config(), textEncoderModel.weights(), false, options);
        }
        return unmaskedTextEncoder;
    }

    /** Which components may stay open together within the options' memory budget (estimated once, from shapes). */
    public synchronized MemoryPlan memoryPlan() {
        if (memoryPlan == null) {
            memoryPlan = MemoryPlan.of(checkpoint, textEncoderModel == null ? null : textEncoderModel.config(), options);
        }
        return memoryPlan;
    }

    /** Frees the transformer's session once denoising is done (it reopens if asked for again). */
    public synchronized void releaseTransformer() {
        transformer = closeQuietly(transformer);
    }

    /** Frees the VAE encoder's session once conditioning images are encoded (it reopens if asked for again). */
    public synchronized void releaseVaeEncoder() {
        vaeEncoder = closeQuietly(vaeEncoder);
    }

    /** Frees the text encoder's sessions (4.7 B parameters for T5-XXL) once prompts are encoded. */
    public synchronized void releaseTextEncoder() {
        maskedTextEncoder = closeQuietly(maskedTextEncoder);
        unmaskedTextEncoder = closeQuietly(unmaskedTextEncoder);
    }

    private static ComponentRunner closeQuietly(final ComponentRunner runner) {
        if (runner != null) {
            runner.close();
        }
        return null;
    }

    @Override
    public synchronized void close() {
        releaseTextEncoder();
        transformer = closeQuietly(transformer);
        vaeDecoder = closeQuietly(vaeDecoder);
        vaeEncoder = closeQuietly(vaeEncoder);
        upsampler = closeQuietly(upsampler);
    }
}
