package org.nifiltx.onnx.graph;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.proto.OnnxProto.AttributeProto;
import org.nifiltx.onnx.proto.OnnxProto.GraphProto;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.proto.OnnxProto.NodeProto;
import org.nifiltx.onnx.proto.OnnxProto.OperatorSetIdProto;
import org.nifiltx.onnx.proto.OnnxProto.StringStringEntryProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto;
import org.nifiltx.onnx.proto.OnnxProto.TensorShapeProto;
import org.nifiltx.onnx.proto.OnnxProto.TypeProto;
import org.nifiltx.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Builds an ONNX graph in Java: operators as methods, named values, initializers taken from checkpoint tensors
 * without copying. Opset 21 is the default: the newest whose operators ONNX Runtime 1.29 CPU and TensorRT 10/11 both
 * implement, and it has Gelu(approximate) (20) and GroupNormalization (21).
 */
public final class GraphBuilder {
    public static final int DEFAULT_OPSET = 21;
    /** IR version matching opset 21 (ONNX Runtime rejects IR versions newer than it knows). */
    public static final long IR_VERSION = 10;
    public static final String MICROSOFT_DOMAIN = "com.microsoft";
    /** Initializers at least this large are supplied to the session from their mapped bytes instead of inlined. */
    public static final long SUPPLY_THRESHOLD_BYTES = 1L << 20;

    private final String name;
    private final int opset;
    private final Target target;
    private final NumericPolicy policy;
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final List<NodeProto> nodes = new ArrayList<>();
    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private final Set<String> names = new LinkedHashSet<>();
    private final Set<String> domains = new LinkedHashSet<>();
    private final Map<String, Value> castCache = new LinkedHashMap<>();
    private int counter;

    public GraphBuilder(final String name, final Target target) {
        this(name, DEFAULT_OPSET, target);
    }

    public GraphBuilder(final String name, final int opset, final Target target) {
        this(name, opset, target, NumericPolicy.fp32());
    }

    /** A graph whose layers compute as {@code policy} says (see {@link org.nifiltx.onnx.layers}). */
    public GraphBuilder(final String name, final Target target, final NumericPolicy policy) {
        this(name, DEFAULT_OPSET, target, policy);
    }

    public GraphBuilder(final String name, final int opset, final Target target, final NumericPolicy policy) {
        this.name = name;
        this.opset = opset;
        this.target = target;
        this.policy = policy;
    }

    public Target target() {
        return target;
    }

    public NumericPolicy policy() {
        return policy;
    }

    public int opset() {
        return opset;
    }

    /** Declares a graph input; a dimension is a number or a symbolic name such as "batch". */
    public Value input(final String inputName, final DType dtype, final Object... dims) {
        claim(inputName);
        inputs.add(valueInfo(inputName, dtype, true, dims));
        return new Value(inputName);
    }

    /**
     * Declares {@code value} as a graph output named {@code outputName} (an Identity is added if names differ); with no
     * dimensions the output's shape is left unstated.
     */
    public Value output(final Value value, final String outputName, final DType dtype, final Object... dims) {
        Value named = value;
        if (!value.name().equals(outputName)) {
            claim(outputName);
            nodes.add(NodeProto.newBuilder().setOpType("Identity").addInput(value.name()).addOutput(outputName)
                    .setName("output_" + outputName).build());
            named = new Value(outputName);
        }
        outputs.add(valueInfo(outputName, dtype, dims.length > 0, dims));
        return named;
    }

    /** Names of the graph outputs declared so far, in order. */
    public List<String> outputNames() {
        return outputs.stream().map(ValueInfoProto::getName).toList();
    }

    /** Adds {@code tensor} as an initializer in its stored dtype; its bytes are referenced, not copied. */
    public Value initializer(final String initializerName, final Tensor tensor) {
        claim(initializerName);
        initializers.put(initializerName, tensor);
        return new Value(initializerName);
    }

    /**
     * A checkpoint weight ready for float32 compute: stored in the checkpoint dtype, with an in-graph Cast when that
     * is bf16/fp16 (ONNX Runtime CPU has no bf16 MatMul) and DequantizeLinear for fp8.
     */
    public Value weight(final String weightName, final Tensor tensor) {
        final boolean fp8 = tensor.dtype() == DType.F8_E4M3 || tensor.dtype() == DType.F8_E5M2;
        if (fp8 && isSupplied(tensor)) {
            return fp8ByTable(weightName, tensor);
        }
        final Value stored = initializer(weightName, tensor);
        return switch (tensor.dtype()) {
            case F32 -> stored;
            case F16, BF16, F64 -> op("Cast", List.of(stored), Attr.i("to", TensorProto.DataType.FLOAT_VALUE));
            case F8_E4M3, F8_E5M2 -> op("DequantizeLinear", List.of(stored, scalar(1f)));
            default -> throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                    "weight '" + weightName + "' has dtype " + tensor.dtype() + ", not a floating-point type");
        };
    }

    /**
     * A large fp8 weight, handed to ONNX Runtime as its mapped bytes viewed as uint8 (the Java API has no float8
     * tensor type, and inlining would copy every weight into the 2 GB-limited proto) and decoded in-graph through a
     * 256-entry float32 table: one byte per parameter at rest, exact values, widened per call like DequantizeLinear.
     */
    private Value fp8ByTable(final String weightName, final Tensor tensor) {
        final Value bytes = initializer(weightName, new Tensor(DType.U8, tensor.shape(), tensor.data()));
        final String tableName = "fp8_table_" + tensor.dtype().name().toLowerCase(java.util.Locale.ROOT);
        if (!initializers.containsKey(tableName)) {
            final float[] table = new float[256];
            for (int b = 0; b < 256; b++) {
                table[b] = tensor.dtype() == DType.F8_E4M3 ? FloatFormats.f8e4m3ToFloat((byte) b)
                        : FloatFormats.f8e5m2ToFloat((byte) b);
            }
            initializer(tableName, Tensor.ofFloats(new long[] {256}, table));
        }
        final Value indices = op("Cast", List.of(bytes), Attr.i("to", TensorProto.DataType.INT32_VALUE));
        return op("Gather", List.of(new Value(tableName), indices), Attr.i("axis", 0));
    }

    /** A float32 constant of the given shape. */
    public Value constant(final long[] shape, final float... values) {
        return initializer(fresh("const"), Tensor.ofFloats(shape, values));
    }

    public Value scalar(final float value) {
        return constant(new long[0], value);
    }

    /** A 1-D int64 constant (shapes, axes, indices). */
    public Value longs(final long... values) {
        return initializer(fresh("ints"), Tensor.ofLongs(new long[] {values.length}, values));
    }

    /** Adds a node of the default domain with one output. */
    public Value op(final String opType, final List<Value> in, final AttributeProto... attributes) {
        return node(opType, "", in, 1, attributes).get(0);
    }

    public Value op(final String opType, final Value... in) {
        return op(opType, List.of(in));
    }

    /** Adds a node of any domain; an empty input name (optional input left out) is written as "". */
    public List<Value> node(final String opType, final String domain, final List<Value> in, final int outputCount,
            final AttributeProto... attributes) {
        final String nodeName = fresh(opType);
        final NodeProto.Builder node = NodeProto.newBuilder().setOpType(opType).setName(nodeName);
        if (!domain.isEmpty()) {
            node.setDomain(domain);
            domains.add(domain);
        }
        for (final Value v : in) {
            node.addInput(v == null ? "" : v.name());
        }
        final List<Value> out = new ArrayList<>();
        for (int i = 0; i < outputCount; i++) {
            final String outName = nodeName + (outputCount == 1 ? "" : "_" + i);
            claim(outName);
            node.addOutput(outName);
            out.add(new Value(outName));
        }
        node.addAllAttribute(Arrays.asList(attributes));
        nodes.add(node.build());
        return out;
    }

    public Value add(final Value a, final Value b) {
        return op("Add", a, b);
    }

    public Value sub(final Value a, final Value b) {
        return op("Sub", a, b);
    }

    public Value mul(final Value a, final Value b) {
        return op("Mul", a, b);
    }

    public Value div(final Value a, final Value b) {
        return op("Div", a, b);
    }

    public Value matMul(final Value a, final Value b) {
        return op("MatMul", a, b);
    }

    public Value reshape(final Value x, final long... shape) {
        return op("Reshape", x, longs(shape));
    }

    public Value transpose(final Value x, final long... perm) {
        return op("Transpose", List.of(x), Attr.ints("perm", perm));
    }

    public Value unsqueeze(final Value x, final long... axes) {
        return op("Unsqueeze", x, longs(axes));
    }

    public Value concat(final long axis, final Value... parts) {
        return op("Concat", List.of(parts), Attr.i("axis", axis));
    }

    /** Slice along one axis, [start, end). */
    public Value slice(final Value x, final long axis, final long start, final long end) {
        return op("Slice", x, longs(start), longs(end), longs(axis));
    }

    /** Cast to float32 unless the value already is (cached per value). */
    public Value toFloat(final Value x) {
        return castCache.computeIfAbsent(x.name(), k -> op("Cast", List.of(x), Attr.i("to", TensorProto.DataType.FLOAT_VALUE)));
    }

    /**
     * {@code x · Wᵀ + b} for a PyTorch Linear weight [out, in]; ORT folds the Transpose and fuses MatMul+Add. Where
     * weights stay narrow (bf16 policy) nothing is folded, so ONNX Runtime's FusedMatMul reads W transposed instead.
     */
    public Value linear(final Value x, final Value weight, final Value bias) {
        return linear(x, weight, bias, policy.bf16());
    }

    /**
     * As {@link #linear(Value, Value, Value)}; {@code computedWeight} says the weight is not a foldable constant (a
     * bf16 weight kept narrow, an fp8 weight behind DequantizeLinear, which ONNX Runtime never folds), so a Transpose
     * would run at every call: FusedMatMul reads it transposed instead.
     */
    public Value linear(final Value x, final Value weight, final Value bias, final boolean computedWeight) {
        final Value product = computedWeight && target == Target.ONNX_RUNTIME
                ? node("FusedMatMul", MICROSOFT_DOMAIN, List.of(x, weight), 1, Attr.i("transB", 1)).get(0)
                : matMul(x, transpose(weight, 1, 0));
        return bias == null ? product : add(product, bias);
    }

    /**
     * Rows {@code ids} of an embedding table, widened to float32 after the lookup so a bf16/fp16 table stays narrow in
     * memory (a Cast before the Gather would be folded into a float32 copy of the whole table).
     */
    public Value embedding(final String tableName, final Tensor table, final Value ids) {
        final Value rows = op("Gather", List.of(initializer(tableName, table), ids), Attr.i("axis", 0));
        return switch (table.dtype()) {
            case F32 -> rows;
            case F16, BF16, F64 -> op("Cast", List.of(rows), Attr.i("to", TensorProto.DataType.FLOAT_VALUE));
            default -> throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                    "embedding '" + tableName + "' has dtype " + table.dtype() + ", not a floating-point type");
        };
    }

    /** A fresh, unused value name with the given stem. */
    public String fresh(final String stem) {
        String candidate;
        do {
            candidate = stem + "_" + counter++;
        } while (names.contains(candidate));
        return candidate;
    }

    private void claim(final String valueName) {
        if (!names.add(valueName)) {
            throw new IllegalStateException("value name used twice in graph " + name + ": " + valueName);
        }
    }

    private static ValueInfoProto valueInfo(final String valueName, final DType dtype, final boolean withShape,
            final Object... dims) {
        final TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (final Object d : dims) {
            if (d instanceof Number n) {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(n.longValue()));
            } else {
                shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(String.valueOf(d)));
            }
        }
        final TypeProto.Tensor.Builder tensorType = TypeProto.Tensor.newBuilder().setElemType(ElementType.of(dtype).getNumber());
        if (withShape) {
            tensorType.setShape(shape);
        }
        return ValueInfoProto.newBuilder().setName(valueName)
                .setType(TypeProto.newBuilder().setTensorType(tensorType)).build();
    }

    /** Initializers that {@link #build()} leaves out of the model: they are supplied to the session at creation. */
    public Map<String, Tensor> suppliedInitializers() {
        final Map<String, Tensor> out = new LinkedHashMap<>();
        initializers.forEach((k, v) -> {
            if (isSupplied(v)) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static boolean isSupplied(final Tensor t) {
        return t.data().remaining() >= SUPPLY_THRESHOLD_BYTES;
    }

    /**
     * The model: small initializers inline, large ones declared external with location {@code supplied} so the
     * session is given their mapped bytes ({@link #suppliedInitializers()}) and nothing is copied into the proto.
     */
    public ModelProto build() {
        return build(false);
    }

    /** The model with every initializer inline (small models, tests, or a file under 2 GB). */
    public ModelProto buildInline() {
        return build(true);
    }

    private ModelProto build(final boolean inlineAll) {
        final GraphProto.Builder graph = GraphProto.newBuilder().setName(name).addAllInput(inputs).addAllOutput(outputs)
                .addAllNode(weightNodesFirst());
        for (final Map.Entry<String, Tensor> e : initializers.entrySet()) {
            final Tensor t = e.getValue();
            final TensorProto.Builder tp = TensorProto.newBuilder().setName(e.getKey())
                    .setDataType(ElementType.of(t.dtype()).getNumber());
            for (final long d : t.shape()) {
                tp.addDims(d);
            }
            if (inlineAll || !isSupplied(t)) {
                tp.setRawData(ByteString.copyFrom(t.data()));
            } else {
                tp.setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("supplied"))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("length")
                                .setValue(Long.toString(t.data().remaining())));
            }
            graph.addInitializer(tp);
        }
        final ModelProto.Builder model = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("nifi-ltx")
                .setProducerVersion("0.1").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
        for (final String domain : domains) {
            model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
        }
        return model.build();
    }

    /**
     * The nodes with those that read only initializers (a bf16 weight's Cast, an fp8 weight's DequantizeLinear) moved
     * to the front. ONNX Runtime's default execution order then runs each of them just before its consumer: left where
     * the layer emitted them, they all ran at the start of a run, so every widened float32 weight was alive at once
     * (measured on a 4-layer bf16 chain of 4096×10240 linears: +670 MB at the peak of a run, +358 MB with this order).
     */
    private List<NodeProto> weightNodesFirst() {
        final List<NodeProto> ordered = new ArrayList<>(nodes.size());
        final List<NodeProto> rest = new ArrayList<>(nodes.size());
        for (final NodeProto node : nodes) {
            final boolean weightOnly = node.getInputList().stream().allMatch(in -> in.isEmpty() || initializers.containsKey(in));
            (weightOnly ? ordered : rest).add(node);
        }
        ordered.addAll(rest);
        return ordered;
    }

    /** Initializers by name (for writers that place them in an external data file). */
    public Map<String, Tensor> initializers() {
        return java.util.Collections.unmodifiableMap(initializers);
    }
}
