package org.nifiltx.onnx.model.vae;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * PixArt-alpha combined timestep embedding without size conditioning: a 256-d sinusoid (cos half first, periods up to
 * 10000) of the already scaled timestep, then {@code linear_2(SiLU(linear_1(·)))}. Weights under
 * {@code <scope>.timestep_embedder.linear_{1,2}}.
 */
final class TimestepEmbedder {
    static final int FREQUENCY_CHANNELS = 256;
    private static final double MAX_PERIOD = 10000.0;

    private final GraphBuilder graph;
    private final Value weight1;
    private final Value bias1;
    private final Value weight2;
    private final Value bias2;
    private final long dim;

    TimestepEmbedder(final GraphBuilder graph, final WeightStore scope, final long dim) {
        this.graph = graph;
        this.dim = dim;
        final WeightStore linear1 = scope.scoped("timestep_embedder.linear_1");
        final WeightStore linear2 = scope.scoped("timestep_embedder.linear_2");
        this.weight1 = graph.weight(linear1.prefix() + "weight", linear1.get("weight", dim, FREQUENCY_CHANNELS));
        this.bias1 = graph.weight(linear1.prefix() + "bias", linear1.get("bias", dim));
        this.weight2 = graph.weight(linear2.prefix() + "weight", linear2.get("weight", dim, dim));
        this.bias2 = graph.weight(linear2.prefix() + "bias", linear2.get("bias", dim));
    }

    long dim() {
        return dim;
    }

    /** Scaled timestep [B] → embedding [B, dim]. */
    Value apply(final Value scaledTimestep) {
        final int half = FREQUENCY_CHANNELS / 2;
        final float[] frequencies = new float[half];
        for (int i = 0; i < half; i++) {
            // float32 exponent as the reference computes it, then exp in float32
            final float exponent = (float) -Math.log(MAX_PERIOD) * i / half;
            frequencies[i] = (float) Math.exp(exponent);
        }
        final Value angles = graph.mul(graph.unsqueeze(scaledTimestep, 1),
                graph.constant(new long[] {1, half}, frequencies)); // [B, 128]
        final Value sinusoid = graph.concat(1, graph.op("Cos", angles), graph.op("Sin", angles)); // [B, 256]
        final Value hidden = VaeOps.silu(graph, graph.linear(sinusoid, weight1, bias1));
        return graph.linear(hidden, weight2, bias2);
    }
}
