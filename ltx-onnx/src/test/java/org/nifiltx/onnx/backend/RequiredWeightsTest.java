package org.nifiltx.onnx.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightReads;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.inspect.WeightAudit;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.testing.TinyFixtures;

/**
 * The weights each graph reads come from building it on a recording store: on the tiny fixture every transformer
 * weight is read, a checkpoint without proj_out.weight is found incomplete in one pass, and so is one with a weight of
 * another shape, where before the first missing weight ended the build.
 */
class RequiredWeightsTest {
    private static final OnnxRuntimeBackend BACKEND = new OnnxRuntimeBackend();

    @TempDir
    Path dir;

    private Path editedTransformer(final java.util.function.Consumer<Map<String, Tensor>> edit) throws IOException {
        return TinyFixtures.diffusersWithTransformer(dir, edit);
    }

    @Test
    void theTransformerGraphReadsEveryTransformerWeightWithItsShape() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(TinyFixtures.path("model/diffusers"));
        final List<WeightReads.Read> reads = BACKEND.requiredWeights(Component.TRANSFORMER, checkpoint);
        assertEquals(checkpoint.transformerWeights().keys().size(), reads.size());
        final WeightReads.Read projOut = reads.stream().filter(r -> r.key().equals("proj_out.weight")).findFirst().orElseThrow();
        assertEquals("[16, 32]", Tensor.shapeString(projOut.shape()));
        for (final WeightAudit.Finding finding : WeightAudit.checkpoint(BACKEND, checkpoint, Component.TRANSFORMER,
                Component.VAE_DECODE, Component.VAE_ENCODE)) {
            assertTrue(finding.complete(), finding.toString());
            assertTrue(finding.required() > 0, finding.toString());
        }
        final LtxCheckpoint.TextEncoder t5 = checkpoint.textEncoder().orElseThrow();
        final WeightAudit.Finding text = WeightAudit.textEncoder(BACKEND, t5.config(), t5.weights());
        assertEquals(t5.weights().keys().size(), text.required());
        assertTrue(text.complete());
    }

    @Test
    void aMissingAndAMisshapedWeightAreBothFound() throws IOException {
        final Path model = editedTransformer(tensors -> {
            tensors.remove("proj_out.weight");
            tensors.put("scale_shift_table", Tensor.ofFloats(new long[] {2, 31}, new float[62]));
        });
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(model);
        final List<WeightAudit.Finding> findings = WeightAudit.checkpoint(BACKEND, checkpoint, Component.TRANSFORMER,
                Component.VAE_DECODE);
        assertEquals(List.of("proj_out.weight [16, 32]"), findings.get(0).missing());
        assertEquals(List.of("scale_shift_table [2, 31] where the config implies [2, 32]"), findings.get(0).misshaped());
        assertTrue(findings.get(1).complete());
        final LtxException e = assertThrows(LtxException.class, () -> WeightAudit.requireComplete(findings));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("incomplete weights: transformer lacks 1 of 65 weights (proj_out.weight [16, 32]) and has 1 in "
                + "another shape (scale_shift_table [2, 31] where the config implies [2, 32])", e.getMessage());
    }

    @Test
    void aCheckpointWithoutTransformerWeightsNamesTheFirstFew() throws IOException {
        final Path model = editedTransformer(tensors -> tensors.keySet().removeIf(key -> key.startsWith("transformer_blocks.")));
        final WeightAudit.Finding finding = WeightAudit.checkpoint(BACKEND, LtxCheckpoint.open(model), Component.TRANSFORMER).get(0);
        // biases are read only where present (Linear), so the 20 block biases are not counted once they are gone
        assertEquals(45, finding.required());
        assertEquals(2 * 15, finding.missing().size());
        assertEquals("incomplete weights: transformer lacks 30 of 45 weights (transformer_blocks.0.scale_shift_table [6, 32], "
                + "transformer_blocks.0.attn1.to_q.weight [32, 32], transformer_blocks.0.attn1.to_k.weight [32, 32] and 27 more)",
                WeightAudit.problems(List.of(finding)).orElseThrow());
    }
}
