package org.nifiltx.nifi.api;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.ControllerService;
import org.nifiltx.core.pipeline.DecodeSpec;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.PromptSpec;
import org.nifiltx.core.tensor.Tensor;

/**
 * One LTX-Video deployment (checkpoint, text encoder, optional latent upsampler, backend) shared by the processors of
 * a flow. It speaks ltx-core types only, so this interface and its NAR carry no native library; every method throws
 * {@link org.nifiltx.core.error.LtxException} for bad input, with a message fit for {@code ltx.error}.
 */
@Tags({"ltx", "video", "generation", "ai", "onnx"})
@CapabilityDescription("Holds an LTX-Video model and runs its stages (prompt encoding, denoising, VAE decoding).")
public interface LtxVideoModelService extends ControllerService {

    /** Dimensions of the enabled model, from its config. */
    LtxModelInfo modelInfo();

    /**
     * Checks a request for sampling against the model (sizes, frame count, values, the memory they need) before any
     * work; its prompt is not looked at (the prompts come encoded).
     */
    void validate(GenerationRequest request);

    /** Checks a spec for decoding alone (sizes, values, the memory the decode needs): the latents exist already. */
    void validateDecode(DecodeSpec spec);

    /** T5 on the prompt and, when the spec asks for classifier-free guidance, on the negative prompt. */
    PromptPair encodePrompts(PromptSpec spec, ProgressListener progress);

    /** The denoising passes from the encoded prompts; latents come back normalised, [1, C, F, h, w]. */
    GenerationResult generateLatents(GenerationRequest request, PromptPair prompts, NoiseSource noise, ProgressListener progress);

    /** VAE decode of normalised latents [1, C, F, h, w] to uint8 RGB frames [F, H, W, 3] of the spec's size. */
    Tensor decode(Tensor latents, DecodeSpec spec, NoiseSource noise, ProgressListener progress);
}
