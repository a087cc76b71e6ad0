package org.nifiltx.onnx.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;

/** Converts between nifi-ltx tensors and ONNX Runtime tensors; direct buffers (mapped weights) are not copied. */
public final class OrtTensors {
    private OrtTensors() {
    }

    public static OnnxTensor toOrt(final OrtEnvironment env, final Tensor tensor) {
        ByteBuffer data = tensor.data();
        if (!data.isDirect()) {
            // ONNX Runtime reads through the buffer's native address; heap bytes (e.g. a FlowFile read into memory) are copied once
            final ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            direct.put(data).flip();
            data = direct;
        }
        try {
            return OnnxTensor.createTensor(env, data, tensor.shape(), javaType(tensor.dtype()));
        } catch (final OrtException e) {
            throw new LtxException(LtxErrorCode.BACKEND_FAILURE, "cannot hand " + tensor + " to ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /**
     * The output's values. ONNX Runtime's Java API hands them out only as a copy, which this tensor keeps (one copy,
     * on the heap); outputs too large for that are pinned instead (OnnxSession.run with output shapes).
     */
    public static Tensor fromOrt(final OnnxTensor tensor) {
        final TensorInfo info = tensor.getInfo();
        return new Tensor(dtype(info.type), info.getShape(), tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    static OnnxJavaType javaType(final DType dtype) {
        return switch (dtype) {
            case F32 -> OnnxJavaType.FLOAT;
            case F64 -> OnnxJavaType.DOUBLE;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
            case I64 -> OnnxJavaType.INT64;
            case I32 -> OnnxJavaType.INT32;
            case I16 -> OnnxJavaType.INT16;
            case I8 -> OnnxJavaType.INT8;
            case U8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
            case F8_E4M3, F8_E5M2 -> throw new LtxException(LtxErrorCode.UNSUPPORTED,
                    "ONNX Runtime Java cannot take float8 tensors as inputs; keep fp8 weights as initializers");
        };
    }

    static DType dtype(final OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DType.F32;
            case DOUBLE -> DType.F64;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case INT16 -> DType.I16;
            case INT8 -> DType.I8;
            case UINT8 -> DType.U8;
            case BOOL -> DType.BOOL;
            default -> throw new LtxException(LtxErrorCode.UNSUPPORTED, "ONNX Runtime output type " + type + " is not supported");
        };
    }
}
