package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.TransformerTopology;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.memory.VaeDecodeMemory;
import org.nifiltx.core.testing.TinyFixtures;

/**
 * Sizes that cannot fit are refused from the configs alone, on the tiny fixture model (16 latent channels, width 32,
 * 32× spatial and 8× temporal compression) with budgets given as parameters rather than real memory.
 */
class MemoryEstimateTest {
    private static final long GIB = 1L << 30;
    private static TransformerConfig transformer;
    private static VaeConfig vae;

    @BeforeAll
    static void open() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TinyFixtures.path("model/diffusers"));
        transformer = checkpoint.transformerConfig();
        vae = checkpoint.vaeConfig();
    }

    /** LTX-Video 2B widths: 32 heads of 64, 128 channels. */
    private static TransformerConfig wide() {
        return TransformerTopology.LTX_2B.config();
    }

    private static GenerationRequest.Builder request(final int frames, final int height, final int width) {
        return GenerationRequest.builder().prompt("x").numFrames(frames).height(height).width(width).guidanceScale(1)
                .timesteps(List.of(1.0, 0.5));
    }

    private static LtxException refused(final GenerationRequest request, final long budget) {
        final LtxException e = assertThrows(LtxException.class, () -> LtxPipeline.check(request, transformer, vae, budget));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        return e;
    }

    @Test
    void eachPartFollowsTheSizes() {
        // 25 frames of 384x256: 4 x 8 x 12 latents = 384 tokens; no CFG, 2 flow times
        final MemoryEstimate estimate = MemoryEstimate.of(request(25, 256, 384).build(), transformer, vae);
        final double latents = 384.0 * 16 * 4;
        assertEquals(List.of(new MemoryEstimate.Part("transformer activations", 384.0 * 4 * (32 * 32 + 8 * 256)),
                new MemoryEstimate.Part("latents", (2 + 1 + 3) * latents)), estimate.denoising());
        assertEquals(List.of(new MemoryEstimate.Part("decoded video", 30.0 * 25 * 256 * 384),
                new MemoryEstimate.Part("VAE decode", VaeDecodeMemory.estimatePeakBytes(vae, 1, 3, 2, 2)),
                new MemoryEstimate.Part("latents", 3 * latents)), estimate.decoding());
        assertEquals(estimate.decodingBytes(), estimate.peakBytes());
        LtxPipeline.check(request(25, 256, 384).build(), transformer, vae, GIB);
    }

    @Test
    void guidanceBatchesTheTransformer() {
        final GenerationRequest cfgStg = request(25, 256, 384).guidanceScale(3).stgScale(1).stgBlocks(List.of(1)).build();
        assertEquals(3 * 384.0 * 4 * (32 * 32 + 8 * 256), MemoryEstimate.of(cfgStg, transformer, vae).denoising().get(0).bytes());
    }

    @Test
    void aConditionedRequestCountsItsPerTokenModulation() {
        // image-to-video: timesteps per token, so the timestep embedding's [B, N, 6 D] and one block's copy are alive
        final GenerationRequest conditioned = request(25, 256, 384).guidanceScale(3)
                .image(org.nifiltx.core.tensor.Tensor.ofBytes(org.nifiltx.core.tensor.DType.U8, new long[] {256, 384, 3},
                        new byte[256 * 384 * 3])).build();
        final List<MemoryEstimate.Part> parts = MemoryEstimate.of(conditioned, transformer, vae).denoising();
        assertEquals(new MemoryEstimate.Part("per-token modulation", 2 * 384.0 * 4 * 12 * 32), parts.get(2));
        assertEquals(3, parts.size());
        assertEquals(2, MemoryEstimate.of(request(25, 256, 384).guidanceScale(3).build(), transformer, vae).denoising().size(),
                "text-to-video has one timestep per batch item");
    }

    @Test
    void hugeSizesAreRefusedWithWhatTheyNeed() {
        final LtxException e = refused(request(100001, 8192, 8192).build(), 12 * GIB);
        assertEquals("100001 frames of 8192x8192 need about 183.3 TiB while decoding (decoded video 183.1 TiB, "
                + "latents 146.5 GiB, VAE decode 4.8 MiB); the memory budget is 12.0 GiB", e.getMessage());
    }

    @Test
    void theDecodedVideoMustFitTheBudget() {
        final LtxException e = refused(request(257, 1024, 1024).build(), GIB);
        assertEquals("257 frames of 1024x1024 need about 7.5 GiB while decoding (decoded video 7.5 GiB, latents 6.2 MiB, "
                + "VAE decode 4.8 MiB); the memory budget is 1.0 GiB", e.getMessage());
    }

    @Test
    void tensorsLargerThanOneBufferAreRefusedWhateverTheBudget() {
        final LtxException e = refused(request(257, 1024, 1024).build(), 1L << 50);
        assertEquals("257 frames of 1024x1024 make a decoded video [1, 3, 257, 1024, 1024] of 3.0 GiB in float32, more than "
                + "one buffer holds (2.0 GiB); at 1024x1024 at most 169 frames fit", e.getMessage());
        LtxPipeline.check(request(169, 1024, 1024).build(), transformer, vae, 1L << 50);
        final LtxException oneFrame = refused(request(1, 16384, 16384).build(), 1L << 50);
        assertEquals("1 frame of 16384x16384 make a decoded video [1, 3, 1, 16384, 16384] of 3.0 GiB in float32, more than "
                + "one buffer holds (2.0 GiB); no frame of 16384x16384 fits: use a smaller size", oneFrame.getMessage());
    }

    @Test
    void theLargestIntSizesCannotOverflow() {
        final int frames = Integer.MAX_VALUE - 6; // 8N+1
        final int pixels = Integer.MAX_VALUE / 32 * 32;
        final LtxException e = refused(request(frames, pixels, pixels).build(), Long.MAX_VALUE);
        assertEquals("2147483641 frames of 2147483616x2147483616 need about 245952.0 YiB while decoding (decoded video "
                + "245760.0 YiB, latents 192.0 YiB, VAE decode 4.8 MiB); the memory budget is 8.0 EiB", e.getMessage());
        assertThrows(ArithmeticException.class, () -> VaeDecodeMemory.estimatePeakBytes(vae, 1, frames, pixels, pixels));
    }

    @Test
    void aWideTransformerPeaksWhileDenoising() {
        // 121 frames of 768x512 with CFG and STG: 6,144 tokens
        final GenerationRequest request = GenerationRequest.builder().prompt("x").numFrames(121).height(512).width(768)
                .guidanceScale(3).stgScale(1).stgBlocks(List.of(19)).steps(30).build();
        final LtxException e = assertThrows(LtxException.class, () -> LtxPipeline.check(request, wide(), vae, 4 * GIB));
        assertEquals("121 frames of 768x512 need about 4.7 GiB while denoising (transformer activations 4.6 GiB, latents "
                + "108.0 MiB); the memory budget is 4.0 GiB", e.getMessage());
    }

    @Test
    void decodingAloneIgnoresTheTransformer() {
        final MemoryEstimate estimate = MemoryEstimate.of(GenerationRequest.builder().prompt("x").numFrames(121).height(512)
                .width(768).guidanceScale(3).stgScale(1).stgBlocks(List.of(19)).steps(30).build(), wide(), vae);
        estimate.requireDecodingWithin(4 * GIB);
        assertThrows(LtxException.class, () -> estimate.requireWithin(4 * GIB));
    }
}
