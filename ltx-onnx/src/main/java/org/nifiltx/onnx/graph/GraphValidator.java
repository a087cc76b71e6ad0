package org.nifiltx.onnx.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.nifiltx.onnx.proto.OnnxProto.GraphProto;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.NodeProto;
import org.nifiltx.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * The structural part of {@code onnx.checker}, in Java: every value is defined once before use (graph input,
 * initializer or an earlier node's output), every graph output is produced, every domain a node uses is imported,
 * every inline initializer's byte size matches its dims and element type, and every value has a declared type.
 */
public final class GraphValidator {
    private GraphValidator() {
    }

    /** Problems found, empty when the model is well formed. */
    public static List<String> problems(final ModelProto model) {
        final List<String> problems = new ArrayList<>();
        if (model.getIrVersion() <= 0) {
            problems.add("ir_version is not set");
        }
        final Set<String> domains = new HashSet<>();
        for (final OperatorSetIdProto opset : model.getOpsetImportList()) {
            domains.add(opset.getDomain());
        }
        if (!domains.contains("")) {
            problems.add("no ai.onnx opset imported");
        }
        final GraphProto graph = model.getGraph();
        final Set<String> defined = new HashSet<>();
        for (final ValueInfoProto input : graph.getInputList()) {
            if (!input.getType().hasTensorType() || input.getType().getTensorType().getElemType() == 0) {
                problems.add("graph input '" + input.getName() + "' has no element type");
            }
            define(defined, input.getName(), "graph input", problems);
        }
        for (final TensorProto init : graph.getInitializerList()) {
            define(defined, init.getName(), "initializer", problems);
            checkInitializer(init, problems);
        }
        for (final NodeProto node : graph.getNodeList()) {
            if (!domains.contains(node.getDomain())) {
                problems.add("node '" + node.getName() + "' (" + node.getOpType() + ") uses domain '" + node.getDomain()
                        + "' which is not imported");
            }
            for (final String in : node.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    problems.add("node '" + node.getName() + "' (" + node.getOpType() + ") reads '" + in
                            + "' before it is defined");
                }
            }
            for (final String out : node.getOutputList()) {
                define(defined, out, "node output", problems);
            }
        }
        for (final ValueInfoProto output : graph.getOutputList()) {
            if (!defined.contains(output.getName())) {
                problems.add("graph output '" + output.getName() + "' is never produced");
            }
            if (!output.getType().hasTensorType() || output.getType().getTensorType().getElemType() == 0) {
                problems.add("graph output '" + output.getName() + "' has no element type");
            }
        }
        return problems;
    }

    private static void define(final Set<String> defined, final String name, final String kind, final List<String> problems) {
        if (name.isEmpty()) {
            problems.add(kind + " without a name");
        } else if (!defined.add(name)) {
            problems.add(kind + " '" + name + "' is defined more than once");
        }
    }

    private static void checkInitializer(final TensorProto init, final List<String> problems) {
        if (init.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return;
        }
        final int elementSize = ElementType.byteSize(init.getDataType());
        if (elementSize < 0) {
            problems.add("initializer '" + init.getName() + "' has unsupported element type " + init.getDataType());
            return;
        }
        long count = 1;
        for (final long d : init.getDimsList()) {
            count *= d;
        }
        if (init.hasRawData() && init.getRawData().size() != count * elementSize) {
            problems.add("initializer '" + init.getName() + "' holds " + init.getRawData().size() + " bytes, dims "
                    + init.getDimsList() + " need " + count * elementSize);
        }
    }
}
