package org.nifiltx.onnx.model.transformer;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * {@code adaln_single.emb.timestep_embedder}: the sinusoidal timestep projection (cos first, no frequency shift)
 * followed by linear_1, SiLU, linear_2.
 */
final class TimestepEmbedding {
    private static final double MAX_PERIOD = 10000.0;

    private final GraphBuilder graph;
    private final WeightStore weights;
    private final int innerDim;
    /** Width of the sinusoid, read from linear_1's input width (256 in every LTX checkpoint). */
    private final int projectionDim;

    TimestepEmbedding(final GraphBuilder graph, final WeightStore weights, final int innerDim) {
        this.graph = graph;
        this.weights = weights;
        this.innerDim = innerDim;
        this.projectionDim = Math.toIntExact(weights.get("linear_1.weight").dim(1));
    }

    /** scaledTimestep [B,T] (already × timestep_scale_multiplier) → embedded timestep [B,T,D]. */
    Value forward(final Value scaledTimestep) {
        final Value projected = sinusoid(scaledTimestep);
        final Value hidden = Layers.silu(graph, Layers.linear(graph, weights, "linear_1", projected, innerDim, projectionDim));
        return Layers.linear(graph, weights, "linear_2", hidden, innerDim, innerDim);
    }

    /** [B,T] → [B,T,projectionDim] = [cos(t·f_k), sin(t·f_k)], f_k = exp(−ln(10000)·k/half). */
    private Value sinusoid(final Value timestep) {
        final int half = projectionDim / 2;
        final float[] frequencies = new float[half];
        final float logPeriod = (float) -Math.log(MAX_PERIOD);
        for (int k = 0; k < half; k++) {
            // float arithmetic in the reference's order: (−ln(max_period)·k) / half, then exp
            final float exponent = logPeriod * k / half;
            frequencies[k] = (float) Math.exp(exponent);
        }
        final Value angles = graph.mul(graph.unsqueeze(timestep, -1), graph.constant(new long[] {half}, frequencies));
        return graph.concat(-1, graph.op("Cos", angles), graph.op("Sin", angles));
    }
}
