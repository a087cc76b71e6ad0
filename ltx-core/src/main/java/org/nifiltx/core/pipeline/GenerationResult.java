package org.nifiltx.core.pipeline;

import java.util.List;
import org.nifiltx.core.tensor.Tensor;

/**
 * What a generation produced.
 *
 * @param frames      uint8 RGB [F, H, W, 3] at the requested size
 * @param latents     final normalised latents [1, C, F, h, w] (of the last pass)
 * @param stepLatents packed latents [1, N, C] after every denoising step of every pass, in order; empty unless the
 *                    pipeline records them ({@link LtxPipeline#recordingStepLatents()})
 * @param sigmas      flow times of each pass's model calls, in order
 */
public record GenerationResult(Tensor frames, Tensor latents, List<Tensor> stepLatents, List<float[]> sigmas) {
    /** Denoising steps run, over all passes. */
    public int steps() {
        return sigmas.stream().mapToInt(pass -> pass.length).sum();
    }
}
