package org.nifiltx.onnx.model.t5;

import java.util.List;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;

/**
 * The bidirectional T5 relative position bias [1, heads, L, L] for the runtime sequence length L. The bucket of a
 * distance is looked up in a table tabulated here in float32 exactly as transformers computes it (log, divide,
 * truncate), so the graph needs no float Log whose rounding could move a bucket boundary; distances at or beyond
 * {@code relative_attention_max_distance} all land in the last bucket of their half.
 */
public final class RelativePositionBias {
    private RelativePositionBias() {
    }

    /** Bucket within one direction for each magnitude 0..maxDistance (transformers' {@code _relative_position_bucket}). */
    static long[] magnitudeBuckets(final int numBuckets, final int maxDistance) {
        final int half = numBuckets / 2;
        final int maxExact = half / 2;
        final long[] table = new long[maxDistance + 1];
        final float logRange = (float) Math.log((double) maxDistance / maxExact);
        for (int r = 0; r <= maxDistance; r++) {
            if (r < maxExact) {
                table[r] = r;
            } else {
                final float logRatio = (float) Math.log((float) r / maxExact);
                final long large = maxExact + (long) (logRatio / logRange * (half - maxExact));
                table[r] = Math.min(large, half - 1);
            }
        }
        return table;
    }

    /**
     * @param inputIds [B, L] int64, only its length is used
     * @param weights  the block-0 attention scope holding {@code relative_attention_bias.weight} [buckets, heads]
     * @return [1, heads, L, L] float32, bias[h, q, k] = table[bucket(k − q), h]
     */
    public static Value build(final GraphBuilder graph, final Value inputIds, final T5Config config, final WeightStore weights) {
        final int numBuckets = config.relativeAttentionNumBuckets();
        final int maxDistance = config.relativeAttentionMaxDistance();
        final Value table = graph.weight(weights.prefix() + "relative_attention_bias.weight",
                weights.get("relative_attention_bias.weight", numBuckets, config.numHeads()));
        final Value length = graph.op("Squeeze", graph.slice(graph.op("Shape", inputIds), 0, 1, 2), graph.longs(0));
        final Value positions = graph.op("Range", longScalar(graph, 0), length, longScalar(graph, 1));
        // relative[q, k] = k − q
        final Value relative = graph.sub(graph.unsqueeze(positions, 0), graph.unsqueeze(positions, 1));
        final Value direction = graph.op("Where", graph.op("Greater", relative, longScalar(graph, 0)),
                longScalar(graph, numBuckets / 2), longScalar(graph, 0));
        final Value magnitude = graph.op("Min", graph.op("Abs", relative), longScalar(graph, maxDistance));
        final Value magnitudeTable = graph.initializer(graph.fresh("t5_magnitude_buckets"),
                Tensor.ofLongs(new long[] {maxDistance + 1}, magnitudeBuckets(numBuckets, maxDistance)));
        final Value buckets = graph.add(direction, graph.op("Gather", List.of(magnitudeTable, magnitude), Attr.i("axis", 0)));
        // [L, L, heads] -> [1, heads, L, L]
        final Value bias = graph.op("Gather", List.of(table, buckets), Attr.i("axis", 0));
        return graph.unsqueeze(graph.transpose(bias, 2, 0, 1), 0);
    }

    private static Value longScalar(final GraphBuilder graph, final long value) {
        return graph.initializer(graph.fresh("long_scalar"), Tensor.ofLongs(new long[0], new long[] {value}));
    }
}
