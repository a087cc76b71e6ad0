package org.nifiltx.onnx.graph;

/**
 * Which backend a graph is emitted for. The same model description yields both forms: ONNX Runtime gets its fused
 * contrib operators ({@code com.microsoft} MultiHeadAttention, SimplifiedLayerNormalization, RotaryEmbedding), TensorRT
 * gets standard ONNX operators only, because its parser has no {@code com.microsoft} domain and fuses
 * MatMul-Softmax-MatMul itself.
 */
public enum Target {
    ONNX_RUNTIME,
    STANDARD_ONNX
}
