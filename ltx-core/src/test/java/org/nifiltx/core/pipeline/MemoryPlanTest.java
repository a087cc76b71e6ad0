package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.TransformerTopology;

/** Resident-size estimates at the real widths, and the release decisions at their boundaries. */
class MemoryPlanTest {
    /** LTX-Video 2B 0.9.x: 28 layers, 32 heads × 64 = 2048 wide, caption 4096, 128 latent channels. */
    private static final TransformerConfig LTX_2B = TransformerTopology.LTX_2B.config();
    /** T5 v1.1 XXL encoder: 24 layers, d_model 4096, 64 heads × 64, d_ff 10240, vocabulary 32128. */
    private static final T5Config T5_XXL = new T5Config(4096, 24, 64, 64, 10240, 32128, 32, 128, 1e-6, "gated-gelu");

    @Test
    void transformer2bParameters() {
        final MemoryPlan.Parameters p = MemoryPlan.transformer(LTX_2B);
        // per block 16 · 2048² quantized weights (attn1 4, attn2 4, feed-forward 8), 13 · 2048 output channels
        assertEquals(28L * 16 * 2048 * 2048, p.quantizedWeights());
        assertEquals(1_879_048_192L, p.quantizedWeights());
        assertEquals(745_472L, p.quantizedChannels());
        assertEquals(44_337_280L, p.other());
        assertEquals(1_923_385_472L, p.total());
        assertEquals(7_693_541_888L, p.residentBytes(Precision.FP32));
        assertEquals(1_879_048_192L + 745_472L * 5 + 44_337_280L * 4, p.residentBytes(Precision.INT8));
        assertEquals(2_060_124_672L, p.residentBytes(Precision.INT8));
    }

    /** The 13B count from its config alone: the name is the check that the topology is the published one. */
    @Test
    void transformer13bParameters() {
        final MemoryPlan.Parameters p = MemoryPlan.transformer(TransformerTopology.LTX_13B.config());
        // per block 16 · 4096² quantized weights (attn2's k and v read the 4096-wide captions), 13 · 4096 output channels
        assertEquals(48L * 16 * 4096 * 4096, p.quantizedWeights());
        assertEquals(48L * 13 * 4096, p.quantizedChannels());
        // per block the channels, 4 q/k norms and the 6-row table; adaln's 4096 → 6·4096 linear is most of the rest
        assertEquals(48L * 23 * 4096 + 153_145_472L, p.other());
        assertEquals(13_042_569_344L, p.total());
        assertEquals(52_170_277_376L, p.residentBytes(Precision.FP32));
    }

    @Test
    void t5XxlParameters() {
        final MemoryPlan.Parameters p = MemoryPlan.textEncoder(T5_XXL);
        // per block 4 · 4096² attention + 3 · 4096 · 10240 feed-forward weights
        assertEquals(24L * (4L * 4096 * 4096 + 3L * 4096 * 10240), p.quantizedWeights());
        assertEquals(4_630_511_616L, p.quantizedWeights());
        assertEquals(983_040L, p.quantizedChannels());
        // embedding 32128 · 4096, relative bias 32 · 64, 2 norms per block, the final norm
        assertEquals(32128L * 4096 + 32 * 64 + 24 * 2 * 4096 + 4096, p.other());
        assertEquals(131_799_040L, p.other());
        assertEquals(4_762_310_656L, p.total());
        assertEquals(19_049_242_624L, p.residentBytes(Precision.FP32));
        assertEquals(5_162_622_976L, p.residentBytes(Precision.INT8));
    }

    @Test
    void unquantizedComponentsAreFloat32InEveryPrecision() {
        assertEquals(400, MemoryPlan.Parameters.unquantized(100).residentBytes(Precision.INT8));
        assertEquals(400, MemoryPlan.Parameters.unquantized(100).residentBytes(Precision.BF16));
    }

    @Test
    void autoMustBeResolvedFirst() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MemoryPlan.transformer(LTX_2B).residentBytes(Precision.AUTO));
        assertEquals("resolve Precision.AUTO before estimating memory", e.getMessage());
    }

    @Test
    void int8T5AndTransformerDoNotFitHalfOfTwelveGigabytes() {
        final long t5 = MemoryPlan.textEncoder(T5_XXL).residentBytes(Precision.INT8);
        final long transformer = MemoryPlan.transformer(LTX_2B).residentBytes(Precision.INT8);
        final MemoryPlan halfOf12 = new MemoryPlan(6L << 30, t5, transformer, 1L << 30);
        assertTrue(halfOf12.releaseTextEncoderAfterEncoding());
        assertFalse(halfOf12.releaseTransformerBeforeDecoding());
    }

    @Test
    void decisionsAtTheirBoundaries() {
        final MemoryPlan exact = new MemoryPlan(300, 100, 200, 100);
        assertFalse(exact.releaseTextEncoderAfterEncoding());
        assertFalse(exact.releaseTransformerBeforeDecoding());
        final MemoryPlan oneLess = new MemoryPlan(299, 100, 200, 100);
        assertTrue(oneLess.releaseTextEncoderAfterEncoding());
        assertTrue(oneLess.releaseTransformerBeforeDecoding());
        final MemoryPlan decoderOnly = new MemoryPlan(300, 100, 200, 101);
        assertFalse(decoderOnly.releaseTextEncoderAfterEncoding());
        assertTrue(decoderOnly.releaseTransformerBeforeDecoding());
    }

    @Test
    void theTransformersDenoisingMemoryCountsBeforeTheDecode() {
        final MemoryEstimate estimate = new MemoryEstimate(9, 64, 64, 8, List.of(new MemoryEstimate.Part("activations", 50)),
                List.of(new MemoryEstimate.Part("decode", 30)));
        // weights 200 + 100 fit 380; with 50 of denoising memory and 30 of decoding they need 380
        assertFalse(new MemoryPlan(380, 100, 200, 100).releaseTransformerBeforeDecoding(estimate));
        assertTrue(new MemoryPlan(379, 100, 200, 100).releaseTransformerBeforeDecoding(estimate));
        assertFalse(new MemoryPlan(379, 100, 200, 100).releaseTransformerBeforeDecoding());
        // the weights alone decide as before
        assertTrue(new MemoryPlan(299, 100, 200, 100).releaseTransformerBeforeDecoding(estimate));
    }

    @Test
    void aTextEncoderKeptThroughDenoisingIsReleasedWhenTheDecodeNeedsItsMemory() {
        final MemoryEstimate estimate = new MemoryEstimate(9, 64, 64, 8, List.of(new MemoryEstimate.Part("activations", 50)),
                List.of(new MemoryEstimate.Part("decode", 30)));
        // T5 100 + transformer 200 + denoising 50 + VAE decoder 100 + decoding 30 = 480
        assertFalse(new MemoryPlan(480, 100, 200, 100).releaseTextEncoderBeforeDecoding(estimate, true));
        assertTrue(new MemoryPlan(479, 100, 200, 100).releaseTextEncoderBeforeDecoding(estimate, true));
        // with the transformer closed: 100 + 100 + 30
        assertFalse(new MemoryPlan(230, 100, 200, 100).releaseTextEncoderBeforeDecoding(estimate, false));
        assertTrue(new MemoryPlan(229, 100, 200, 100).releaseTextEncoderBeforeDecoding(estimate, false));
        // no text encoder, nothing to release
        assertFalse(new MemoryPlan(1, 0, 200, 100).releaseTextEncoderBeforeDecoding(estimate, true));
    }
}
