package org.nifiltx.onnx.layers;

import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * The diffusers {@code Timesteps} + {@code TimestepEmbedding} pair used by the transformer's AdaLN and the VAE's
 * timestep conditioning: a sinusoid with the cos half first, no frequency shift, periods up to 10000, then
 * {@code linear_2(SiLU(linear_1(·)))}. Always fp32: it is tiny and every output channel depends on it.
 */
public final class TimestepEmbeddings {
    private static final double MAX_PERIOD = 10000.0;

    private TimestepEmbeddings() {
    }

    /** t [..., ] → [..., channels] = [cos(t·f_k), sin(t·f_k)], f_k = exp(−ln(10000)·k/half). */
    public static Value sinusoid(final GraphBuilder graph, final Value timestep, final int channels) {
        final int half = channels / 2;
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

    /**
     * {@code scope.linear_1} ([dim, channels]) and {@code scope.linear_2} ([dim, dim]) over the sinusoid of
     * {@code timestep}; the sinusoid width is read from linear_1 (256 in every LTX checkpoint).
     */
    public static Value embed(final GraphBuilder graph, final WeightStore scope, final Value timestep, final long dim) {
        // when the weight is missing, the Linear below names it
        final int channels = Math.toIntExact(scope.dim("linear_1.weight", 1, 256));
        final Value projected = sinusoid(graph, timestep, channels);
        final Value hidden = Activations.silu(graph,
                Linear.apply(graph, scope, "linear_1", projected, dim, channels, Linear.Role.SENSITIVE));
        return Linear.apply(graph, scope, "linear_2", hidden, dim, dim, Linear.Role.SENSITIVE);
    }
}
