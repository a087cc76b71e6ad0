package org.nifiltx.onnx.model.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto.GraphProto;
import org.nifiltx.onnx.proto.OnnxProto.NodeProto;

/**
 * Each block's modulation values depend on the block's own input, so ONNX Runtime cannot compute every block's
 * [B,T,6,D] values before the first block runs (with per-token timesteps, 0.3 GB a block for 2B at 768x512x121).
 */
class ModulationOrderTest {
    @Test
    void everyBlocksModulationWaitsForThatBlocksInput() {
        final TransformerConfig config = RandomTransformer.config(3, 2, 8, 4, 8, 16);
        final GraphProto graph = Transformer3D.build(config, new RandomTransformer(3).weights(config), Target.ONNX_RUNTIME)
                .build().getGraph();
        final Map<String, NodeProto> producers = graph.getNodeList().stream()
                .flatMap(n -> n.getOutputList().stream().map(out -> Map.entry(out, n)))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        // the Reshapes of the shared modulation tensor, one per block
        final Map<String, List<NodeProto>> reshapesByData = graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("Reshape"))
                .collect(Collectors.groupingBy(n -> n.getInput(0)));
        final List<NodeProto> modulation = reshapesByData.values().stream()
                .filter(list -> list.size() == config.numLayers()).findFirst().orElseThrow();
        final Set<String> blockInputs = new HashSet<>();
        for (final NodeProto reshape : modulation) {
            // shape = Concat(Slice(Shape(x)), Slice(Shape(modulation)), [6, D]): x is the block's input
            final NodeProto concat = producers.get(reshape.getInput(1));
            assertEquals("Concat", concat.getOpType());
            final NodeProto slice = producers.get(concat.getInput(0));
            assertEquals("Slice", slice.getOpType());
            final NodeProto shape = producers.get(slice.getInput(0));
            assertEquals("Shape", shape.getOpType());
            blockInputs.add(shape.getInput(0));
            assertEquals(false, shape.getInput(0).equals(reshape.getInput(0)), "batch taken from the block input");
        }
        assertEquals(config.numLayers(), blockInputs.size(), "each block reads its own input: " + blockInputs);
    }
}
