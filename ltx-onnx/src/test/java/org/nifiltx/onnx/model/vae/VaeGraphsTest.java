package org.nifiltx.onnx.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.GraphValidator;
import org.nifiltx.onnx.proto.OnnxProto.AttributeProto;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.NodeProto;

/** Structure of the emitted VAE graphs: well formed, ORT-friendly operators only, positive Transpose perms. */
class VaeGraphsTest {
    private static final Set<String> ALLOWED = Set.of("Add", "Cast", "Clip", "Concat", "Conv", "Cos", "Div", "Gather",
            "Identity", "MatMul", "Mul", "Pad", "ReduceMean", "Reshape", "Round", "Shape", "Sigmoid", "Sin", "Slice",
            "Sqrt", "Sub", "Tile", "Transpose", "Unsqueeze");

    @Test
    void decoderAndEncoderGraphsAreWellFormed() {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(VaeFixtures.resource("model/ltxv-tiny.safetensors"));
        for (final GraphBuilder graph : List.of(VaeGraphs.decoder(checkpoint.vaeConfig(), checkpoint.vaeWeights()),
                VaeGraphs.encoder(checkpoint.vaeConfig(), checkpoint.vaeWeights()))) {
            final ModelProto model = graph.buildInline();
            assertEquals(List.of(), GraphValidator.problems(model));
            final Set<String> used = new TreeSet<>();
            for (final NodeProto node : model.getGraph().getNodeList()) {
                used.add(node.getOpType());
                if (node.getOpType().equals("Transpose")) {
                    for (final AttributeProto attribute : node.getAttributeList()) {
                        assertTrue(attribute.getIntsList().stream().allMatch(axis -> axis >= 0), node.getName());
                    }
                }
            }
            assertTrue(ALLOWED.containsAll(used), "operators " + used);
            assertTrue(used.contains("Conv") && used.contains("ReduceMean"), "operators " + used);
        }
    }
}
