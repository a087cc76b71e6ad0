package org.nifiltx.onnx.model.transformer;

import java.util.Arrays;
import java.util.List;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Linear;
import org.nifiltx.onnx.layers.Norms;

/**
 * {@code attn1} / {@code attn2}: to_q/to_k/to_v, RMSNorm with weight over the full inner dimension on q and k, RoPE
 * (self-attention only), softmax(q·kᵀ/√hd + bias)·v per head, to_out.0. ONNX Runtime gets com.microsoft
 * MultiHeadAttention on [B,S,D] tensors; standard ONNX gets MatMul-Softmax-MatMul over [B,H,S,hd].
 */
final class Attention {
    private final GraphBuilder graph;
    private final WeightStore weights;
    private final int heads;
    private final int headDim;
    private final int innerDim;
    private final int keyInputDim;
    private final double qkNormEps;

    /** @param keyInputDim width of the key/value source (D for attn1, cross_attention_dim for attn2) */
    Attention(final GraphBuilder graph, final WeightStore weights, final TransformerConfig config, final int keyInputDim) {
        this.graph = graph;
        this.weights = weights;
        this.heads = config.numAttentionHeads();
        this.headDim = config.attentionHeadDim();
        this.innerDim = config.innerDim();
        this.keyInputDim = keyInputDim;
        this.qkNormEps = config.qkNormEps();
    }

    /**
     * @param x          queries' source [B,Sq,D]
     * @param context    keys' source [B,Sk,keyInputDim], or null for self-attention
     * @param rope       applied to q and k when not null (self-attention)
     * @param bias       additive attention bias ([B,1,1,Sk] standard, [B,1,Sq,Sk] ONNX Runtime) or null
     * @param keepMask   STG: [B,1,1] 1 = normal, 0 = output v instead of the attention result (null: always normal)
     */
    Value forward(final Value x, final Value context, final RotaryEmbedding3d rope, final Value bias, final Value keepMask) {
        final Value source = context == null ? x : context;
        Value query = Linear.apply(graph, weights, "to_q", x, innerDim, innerDim, Linear.Role.BULK);
        Value key = Linear.apply(graph, weights, "to_k", source, innerDim, keyInputDim, Linear.Role.BULK);
        final Value value = Linear.apply(graph, weights, "to_v", source, innerDim, keyInputDim, Linear.Role.BULK);
        query = Norms.rmsNorm(graph, query, Layers.weight(graph, weights, "q_norm.weight", innerDim), innerDim, qkNormEps);
        key = Norms.rmsNorm(graph, key, Layers.weight(graph, weights, "k_norm.weight", innerDim), innerDim, qkNormEps);
        if (rope != null) {
            query = rope.apply(query);
            key = rope.apply(key);
        }
        Value attended = graph.target() == Target.ONNX_RUNTIME
                ? multiHeadAttention(query, key, value, bias)
                : decomposedAttention(query, key, value, bias);
        if (keepMask != null) {
            // STG "attention_values": perturbed items take v as the attention output (attention matrix = identity)
            attended = graph.add(graph.mul(attended, keepMask), graph.mul(value, graph.sub(graph.scalar(1f), keepMask)));
        }
        return Linear.apply(graph, weights, "to_out.0", attended, innerDim, innerDim, Linear.Role.BULK);
    }

    private float scale() {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    /** [B,Sq,D] in and out. */
    private Value multiHeadAttention(final Value query, final Value key, final Value value, final Value bias) {
        final List<Value> inputs = bias == null ? List.of(query, key, value)
                : Arrays.asList(query, key, value, null, null, bias);
        return graph.node("MultiHeadAttention", GraphBuilder.MICROSOFT_DOMAIN, inputs, 1,
                Attr.i("num_heads", heads), Attr.f("scale", scale())).get(0);
    }

    /** [B,Sq,D] in and out; heads split as [B,H,S,hd]. */
    private Value decomposedAttention(final Value query, final Value key, final Value value, final Value bias) {
        final Value q = graph.transpose(graph.reshape(query, 0, 0, heads, headDim), 0, 2, 1, 3);
        final Value kTransposed = graph.transpose(graph.reshape(key, 0, 0, heads, headDim), 0, 2, 3, 1);
        final Value v = graph.transpose(graph.reshape(value, 0, 0, heads, headDim), 0, 2, 1, 3);
        Value scores = graph.mul(graph.matMul(q, kTransposed), graph.scalar(scale()));
        if (bias != null) {
            scores = graph.add(scores, bias);
        }
        final Value probabilities = graph.op("Softmax", List.of(scores), Attr.i("axis", -1));
        final Value heads4d = graph.matMul(probabilities, v);
        return graph.reshape(graph.transpose(heads4d, 0, 2, 1, 3), 0, 0, innerDim);
    }
}
