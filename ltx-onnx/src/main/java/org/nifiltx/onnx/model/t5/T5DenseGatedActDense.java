package org.nifiltx.onnx.model.t5;

import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Activations;
import org.nifiltx.onnx.layers.Linear;

/** The gated feed-forward of T5 v1.1: {@code wo( act(x·wi_0) ⊙ (x·wi_1) )}, no biases. */
public final class T5DenseGatedActDense {
    private T5DenseGatedActDense() {
    }

    /**
     * @param x       [B, L, dModel] (already normed)
     * @param weights scope {@code encoder.block.i.layer.1.DenseReluDense}
     */
    public static Value apply(final GraphBuilder graph, final Value x, final T5Config config, final WeightStore weights) {
        final Value gate = activation(graph, linear(graph, x, weights, "wi_0", config.dFf(), config.dModel()),
                config.feedForwardProj());
        final Value up = linear(graph, x, weights, "wi_1", config.dFf(), config.dModel());
        return linear(graph, graph.mul(gate, up), weights, "wo", config.dModel(), config.dFf());
    }

    private static Value activation(final GraphBuilder graph, final Value x, final String feedForwardProj) {
        return switch (feedForwardProj) {
            // transformers maps gated-gelu to gelu_new, the tanh approximation
            case "gated-gelu" -> Activations.geluTanh(graph, x);
            case "gated-silu" -> Activations.silu(graph, x);
            case "gated-relu" -> Activations.relu(graph, x);
            default -> throw new LtxException(LtxErrorCode.UNSUPPORTED, "T5 feed_forward_proj '" + feedForwardProj
                    + "' is not supported; supported: gated-gelu, gated-silu, gated-relu");
        };
    }

    private static Value linear(final GraphBuilder graph, final Value x, final WeightStore weights, final String name,
            final int out, final int in) {
        return Linear.apply(graph, weights, name, x, out, in, Linear.Role.BULK);
    }
}
