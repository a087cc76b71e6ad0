package org.nifiltx.nifi.api;

import org.apache.nifi.annotation.documentation.CapabilityDescription;
import org.apache.nifi.annotation.documentation.Tags;
import org.apache.nifi.controller.ControllerService;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GenerationResult;
import org.nifiltx.core.pipeline.NoiseSource;
import org.nifiltx.core.pipeline.ProgressListener;
import org.nifiltx.core.pipeline.PromptPair;
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

    /** Checks a request against the model (sizes, frame count, values, the memory they need) before any work. */
    void validate(GenerationRequest request);

    /** Checks a request for decoding alone (sizes, values, the memory the decode needs): the latents exist already. */
    void validateDecode(GenerationRequest request);

    /** T5 on the prompt and, when classifier-free guidance is on, on the negative prompt. */
    PromptPair encodePrompts(GenerationRequest request, ProgressListener progress);

    /** The denoising passes from the encoded prompts; latents come back normalised, [1, C, F, h, w]. */
    GenerationResult generateLatents(GenerationRequest request, PromptPair prompts, NoiseSource noise, ProgressListener progress);

    /** VAE decode of normalised latents [1, C, F, h, w] to uint8 RGB frames [F, H, W, 3] of the requested size. */
    Tensor decode(Tensor latents, GenerationRequest request, NoiseSource noise, ProgressListener progress);
}
