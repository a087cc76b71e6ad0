package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.GraphValidator;
import org.nifiltx.onnx.graph.ModelFiles;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/** Configs other than the fixture's, with seeded random weights held in memory; batch 3. */
class TransformerConfigVariantsTest {
    private static final int BATCH = 3;
    private static final float FRAME_RATE = 25f;

    static Stream<Arguments> configs() {
        return Stream.of(
                // 3 heads × 12 = 36: 36 % 6 = 0, no RoPE padding
                Arguments.of("36 inner, no padding", RandomTransformer.config(3, 3, 12, 8, 12, 20)),
                // 4 heads × 10 = 40: 4 padding entries
                Arguments.of("40 inner, pad 4", RandomTransformer.config(3, 4, 10, 6, 6, 44)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void bothTargetsAgreeAndHaveTheContractShape(final String label, final TransformerConfig config) {
        final RandomTransformer random = new RandomTransformer(11);
        final WeightStore weights = random.weights(config);
        final TensorBundle perToken = random.inputs(config, BATCH, FRAME_RATE);
        try (TransformerRunner fused = TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, SessionConfig.cpu());
                TransformerRunner standard = TransformerRunner.create(config, weights, Target.STANDARD_ONNX, SessionConfig.cpu())) {
            final Tensor fusedOut = fused.run(perToken).get("out");
            final Tensor standardOut = standard.run(perToken).get("out");
            assertArrayEquals(new long[] {BATCH, RandomTransformer.TOKENS, config.outChannels()}, fusedOut.shape());
            TransformerFixtures.assertClose(label + " ONNX_RUNTIME vs STANDARD_ONNX", standardOut, fusedOut);

            // one timestep per item ([B]) must equal the same value repeated per token ([B,N])
            final float[] perItem = new float[BATCH];
            final float[] repeated = new float[BATCH * RandomTransformer.TOKENS];
            for (int b = 0; b < BATCH; b++) {
                perItem[b] = 0.25f + 0.2f * b;
                Arrays.fill(repeated, b * RandomTransformer.TOKENS, (b + 1) * RandomTransformer.TOKENS, perItem[b]);
            }
            final Tensor scalarOut = fused.run(perToken.with("timestep", Tensor.ofFloats(new long[] {BATCH}, perItem))).get("out");
            final Tensor repeatedOut = fused.run(perToken.with("timestep",
                    Tensor.ofFloats(new long[] {BATCH, RandomTransformer.TOKENS}, repeated))).get("out");
            TransformerFixtures.assertClose(label + " timestep [B] vs [B,N]", repeatedOut, scalarOut);
        }
    }

    @Test
    void fusedGraphUsesOrtOperatorsAndStandardGraphOnlyStandardOnes() {
        final TransformerConfig config = RandomTransformer.config(1, 4, 10, 6, 6, 12);
        final WeightStore weights = new RandomTransformer(3).weights(config);
        final String fused = Transformer3D.build(config, weights, Target.ONNX_RUNTIME).build().getGraph().toString();
        for (final String op : new String[] {"MultiHeadAttention", "RotaryEmbedding", "SimplifiedLayerNormalization", "\"Gelu\""}) {
            assertTrue(fused.contains(op), "ONNX Runtime graph lacks " + op);
        }
        final GraphBuilder standard = Transformer3D.build(config, weights, Target.STANDARD_ONNX);
        assertTrue(standard.build().getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()),
                "standard graph uses a non-standard domain");
        assertTrue(standard.build().getGraph().getNodeList().stream().noneMatch(
                n -> n.getOpType().equals("SimplifiedLayerNormalization") || n.getOpType().equals("Gelu")));
        assertTrue(GraphValidator.problems(standard.build()).isEmpty(), GraphValidator.problems(standard.build()).toString());
    }

    @Test
    void exportedWithExternalDataReloadsToTheSameOutput(@TempDir final Path directory) throws IOException {
        // caption width 6656 makes caption_projection.linear_1 (40 × 6656 floats) exceed the 1 MiB external-data threshold
        final TransformerConfig config = RandomTransformer.config(2, 4, 10, 8, 8, 6656);
        final RandomTransformer random = new RandomTransformer(5);
        final WeightStore weights = random.weights(config);
        final TensorBundle inputs = random.inputs(config, BATCH, FRAME_RATE);
        final GraphBuilder graph = Transformer3D.build(config, weights, Target.ONNX_RUNTIME);
        assertTrue(!graph.suppliedInitializers().isEmpty(), "no initializer large enough for external data");
        final Path file = directory.resolve("transformer.onnx");
        ModelFiles.save(graph, file);
        try (TransformerRunner inMemory = TransformerRunner.create(config, weights, Target.ONNX_RUNTIME, SessionConfig.cpu());
                OnnxSession reloaded = OnnxSession.open(file, SessionConfig.cpu())) {
            assertTrue(Files.size(directory.resolve("transformer.onnx.data")) >= 40L * 6656 * 4, "external data file too small");
            final Tensor expected = inMemory.run(inputs).get("out");
            final Tensor actual = reloaded.run(inMemory.graphInputs(inputs, BATCH)).get("out");
            assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), 0f);
        }
    }
}
