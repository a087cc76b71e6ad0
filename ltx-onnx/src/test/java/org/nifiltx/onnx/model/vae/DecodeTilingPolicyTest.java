package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.memory.VaeDecodeMemory;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.VaeConfig;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * The automatic tiling policy on the tiny fixture decoder (4 base channels, three ×2 compress_all up blocks, patch 4:
 * 32 pixels and 8 frames per latent). Its widest activation is the patched conv_out output, 48 channels at the
 * final frame count and a quarter of the output size.
 */
class DecodeTilingPolicyTest {
    private static LtxCheckpoint checkpoint;
    private static VaeConfig config;

    @BeforeAll
    static void open() {
        checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        config = checkpoint.vaeConfig();
    }

    @Test
    void estimateFollowsTheWidestActivation() {
        // latents 3 × 6 × 8 → 17 frames of 48 × 64 patches × 48 channels, × 4 bytes × factor 6
        assertEquals(48L * 17 * 48 * 64, VaeDecodeMemory.widestActivation(config, 3, 6, 8));
        assertEquals(48L * 17 * 48 * 64 * 4 * 6, VaeDecodeMemory.estimatePeakBytes(config, 1, 3, 6, 8));
        assertEquals(2 * 48L * 17 * 48 * 64 * 4 * 6, VaeDecodeMemory.estimatePeakBytes(config, 2, 3, 6, 8));
    }

    @Test
    void int8EstimateAddsTheLargestConvScratchAtRealWidth() {
        // 0.9.5 topology, latents 3 × 8 × 8: the last stage's 128 → 128 convs over 17 × 64 × 64 voxels hold the
        // quantized input, its three time taps and their concatenation (7 · 128 bytes) and the uint8 output in two
        // layouts (2 · 128 bytes) per voxel: 9 · 128 · 69 632 (the upsampler before it, 256 → 1024 channels:
        // (7 · 256 + 2 · 1024) · 9 · 32 · 32, less). The widest float32 activation is that upsampler's conv output,
        // 1024 channels over 9 × 32 × 32 voxels.
        final VaeConfig real = VaeInt8Bench.realConfig();
        assertEquals(9L * 128 * 17 * 64 * 64, VaeDecodeMemory.int8ScratchBytes(real, 3, 8, 8));
        final long fp32 = VaeDecodeMemory.estimatePeakBytes(real, 1, 3, 8, 8);
        assertEquals(1024L * 9 * 32 * 32 * 4 * 6, fp32);
        assertEquals(fp32 + 9L * 128 * 17 * 64 * 64, VaeDecodeMemory.estimatePeakBytes(real, true, 1, 3, 8, 8));
        assertEquals(2 * (fp32 + 9L * 128 * 17 * 64 * 64), VaeDecodeMemory.estimatePeakBytes(real, true, 2, 3, 8, 8));
    }

    @Test
    void int8DecoderTakesSmallerTilesWithinTheSameBudget() {
        // per tile of t × t latent pixels over 3 frames: fp32 1024 · 9 · 16 t² · 24 = 3 538 944 · t² bytes (t = 6 fits
        // 150 MB), int8 plus 9 · 128 · 17 · 64 t² = 1 253 376 · t² (t = 5)
        final VaeConfig real = VaeInt8Bench.realConfig();
        final long[] latents = {1, 128, 3, 16, 16};
        assertEquals(DecodeTiling.square(6 * 32, 32), DecodeTiling.forBudget(150_000_000L, real, false, latents));
        assertEquals(DecodeTiling.square(5 * 32, 32), DecodeTiling.forBudget(150_000_000L, real, true, latents));
    }

    @Test
    void videoBuffersAreTheFloatVideoAndItsBytes() {
        // latents 3 × 6 × 8 → [1, 3, 17, 192, 256] float32 + [17, 192, 256, 3] uint8
        assertEquals(3L * 17 * 192 * 256 * 5, VaeDecodeMemory.videoBytes(config, 1, 3, 6, 8));
    }

    @Test
    void largeBudgetDecodesWhole() {
        final long whole = VaeDecodeMemory.estimatePeakBytes(config, 1, 3, 6, 8);
        assertEquals(DecodeTiling.NONE, DecodeTiling.forBudget(whole, config, new long[] {1, 16, 3, 6, 8}));
        assertEquals(DecodeTiling.NONE, DecodeTiling.forBudget(1L << 40, config, new long[] {1, 16, 3, 6, 8}));
    }

    @Test
    void slightlySmallerBudgetTakesTheLargestSpatialTile() {
        final long whole = VaeDecodeMemory.estimatePeakBytes(config, 1, 3, 6, 8);
        // 7 latent pixels (224 px) with one latent pixel of blend
        assertEquals(new DecodeTiling(224, 224, 192, 192),
                DecodeTiling.forBudget(whole - 1, config, new long[] {1, 16, 3, 6, 8}));
    }

    @Test
    void budgetBelowEverySpatialTileAddsTemporalTiles() {
        // 2 × 2 latent tiles over all 5 latent frames need 48 · 33 · 16 · 16 · 24 = 9 732 096 bytes; chunks of
        // 3 + 1 latent frames (25 pixel frames) need 48 · 25 · 16 · 16 · 24 = 7 372 800
        assertEquals(new DecodeTiling(64, 64, 32, 32, 24, 8),
                DecodeTiling.forBudget(9_000_000, config, new long[] {1, 16, 5, 6, 8}));
    }

    @Test
    void tinyBudgetFallsBackToTheSmallestTiles() {
        assertEquals(new DecodeTiling(64, 64, 32, 32, 16, 8),
                DecodeTiling.forBudget(1, config, new long[] {1, 16, 5, 6, 8}));
        // three latent frames are one chunk already: no temporal tiles
        assertEquals(new DecodeTiling(64, 64, 32, 32), DecodeTiling.forBudget(1, config, new long[] {1, 16, 3, 6, 8}));
    }

    @Test
    void runnerWithBudgetUsesThePolicy() {
        try (VaeDecoderRunner runner = VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), 9_000_000L)) {
            assertEquals(new DecodeTiling(64, 64, 32, 32, 24, 8),
                    runner.tilingFor(TensorBundle.of(Map.of("latents_normalized",
                            Tensor.ofFloats(new long[] {1, 16, 5, 6, 8}, new float[16 * 5 * 6 * 8])))));
        }
    }

    @Test
    void squareTilesBlendAnEighth() {
        assertEquals(DecodeTiling.diffusersDefaults(), DecodeTiling.square(512, 32));
        assertEquals(new DecodeTiling(32, 32, 32, 32), DecodeTiling.square(32, 32));
        final LtxException error = assertThrows(LtxException.class, () -> DecodeTiling.square(48, 32));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals("vae-decode: tile size 48 must be a positive multiple of 32 pixels", error.getMessage());
    }

    @Test
    void budgetMustBePositive() {
        final LtxException error = assertThrows(LtxException.class,
                () -> VaeDecoderRunner.open(checkpoint, SessionConfig.cpu(), 0L));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals("vae-decode: memory budget must be positive, got 0 bytes", error.getMessage());
    }

    @Test
    void temporalSizesMustBeWholeLatentFrames() {
        final LtxException error = assertThrows(LtxException.class, () -> DecodeTiling.NONE.withFrames(12, 8)
                .requireMultipleOf(32, 8));
        assertEquals("vae-decode: temporal tile size or stride 12 must be a multiple of 8 frames", error.getMessage());
    }
}
