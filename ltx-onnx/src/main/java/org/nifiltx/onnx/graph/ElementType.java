package org.nifiltx.onnx.graph;

import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.onnx.proto.OnnxProto.TensorProto.DataType;

/** Maps nifi-ltx dtypes to ONNX element types. */
public final class ElementType {
    private ElementType() {
    }

    public static DataType of(final DType dtype) {
        return switch (dtype) {
            case F64 -> DataType.DOUBLE;
            case F32 -> DataType.FLOAT;
            case F16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            case F8_E4M3 -> DataType.FLOAT8E4M3FN;
            case F8_E5M2 -> DataType.FLOAT8E5M2;
            case I64 -> DataType.INT64;
            case I32 -> DataType.INT32;
            case I16 -> DataType.INT16;
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case BOOL -> DataType.BOOL;
        };
    }

    public static DType toDType(final int onnxType) {
        final DataType type = DataType.forNumber(onnxType);
        if (type == null) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "unknown ONNX element type " + onnxType);
        }
        return switch (type) {
            case DOUBLE -> DType.F64;
            case FLOAT -> DType.F32;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            case FLOAT8E4M3FN -> DType.F8_E4M3;
            case FLOAT8E5M2 -> DType.F8_E5M2;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case INT16 -> DType.I16;
            case INT8 -> DType.I8;
            case UINT8 -> DType.U8;
            case BOOL -> DType.BOOL;
            default -> throw new LtxException(LtxErrorCode.UNSUPPORTED, "ONNX element type " + type + " has no nifi-ltx dtype");
        };
    }

    /** Bytes per element, or -1 for types without a fixed size. */
    public static int byteSize(final int onnxType) {
        try {
            return toDType(onnxType).byteSize();
        } catch (final LtxException e) {
            return -1;
        }
    }
}
