package org.nifiltx.onnx.model.transformer;

import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Value;
import org.nifiltx.onnx.layers.Norms;

/**
 * {@code transformer_blocks.i}: AdaLN-single modulated self-attention (with RoPE) and feed-forward, and an
 * un-normalised, un-gated cross-attention to the caption in between.
 */
final class BasicTransformerBlock {
    private final GraphBuilder graph;
    private final WeightStore weights;
    private final TransformerConfig config;

    BasicTransformerBlock(final GraphBuilder graph, final WeightStore weights, final TransformerConfig config) {
        this.graph = graph;
        this.weights = weights;
        this.config = config;
    }

    /**
     * @param x          residual stream [B,N,D]
     * @param modulation timeEmbed output [B,T,6D] (T = 1 or N)
     * @param caption    projected caption [B,L,D]
     * @param captionBias cross-attention key bias from the text mask
     * @param keepMask   STG mask of this block [B,1,1]
     */
    Value forward(final Value x, final Value modulation, final Value caption, final Value captionBias,
            final RotaryEmbedding3d rope, final Value keepMask) {
        final int innerDim = config.innerDim();
        // scale_shift_table [6,D] + modulation [B,T,6,D], split in the reference order
        final Value table = Layers.weight(graph, weights, "scale_shift_table", AdaLayerNormSingle.MODULATION_COUNT, innerDim);
        // The batch size is taken from x, not from the modulation: the same shape, but this block's modulation now
        // waits for its input. Without that data dependency ONNX Runtime computed every block's [B,T,6,D] values before
        // the first block ran, all alive at once when T = N (per-token timesteps: 0.3 GB a block for 2B at 768x512x121).
        final Value batch = graph.slice(graph.op("Shape", x), 0, 0, 1);
        final Value tokens = graph.slice(graph.op("Shape", modulation), 0, 1, 2);
        final Value shape = graph.concat(0, batch, tokens, graph.longs(AdaLayerNormSingle.MODULATION_COUNT, innerDim));
        final Value values = graph.add(table, graph.op("Reshape", modulation, shape));
        final List<Value> parts = split(values);
        final Value shiftMsa = parts.get(0);
        final Value scaleMsa = parts.get(1);
        final Value gateMsa = parts.get(2);
        final Value shiftMlp = parts.get(3);
        final Value scaleMlp = parts.get(4);
        final Value gateMlp = parts.get(5);

        final Value norm1 = Layers.modulate(graph, Norms.rmsNorm(graph, x, null, innerDim, config.normEps()), scaleMsa, shiftMsa);
        final Value selfAttention = new Attention(graph, weights.scoped("attn1"), config, innerDim)
                .forward(norm1, null, rope, null, keepMask);
        Value hidden = graph.add(graph.mul(gateMsa, selfAttention), x);

        final Value crossAttention = new Attention(graph, weights.scoped("attn2"), config, config.crossAttentionDim())
                .forward(hidden, caption, null, captionBias, null);
        hidden = graph.add(crossAttention, hidden);

        final Value norm2 = Layers.modulate(graph, Norms.rmsNorm(graph, hidden, null, innerDim, config.normEps()), scaleMlp, shiftMlp);
        final Value feedForward = FeedForward.build(graph, weights.scoped("ff"), innerDim, norm2);
        return graph.add(graph.mul(gateMlp, feedForward), hidden);
    }

    /** [B,T,6,D] → six [B,T,D]. */
    private List<Value> split(final Value values) {
        final int count = AdaLayerNormSingle.MODULATION_COUNT;
        final List<Value> pieces = graph.node("Split", "", List.of(values), count, Attr.i("axis", 2), Attr.i("num_outputs", count));
        final List<Value> out = new ArrayList<>(count);
        for (final Value piece : pieces) {
            out.add(graph.op("Squeeze", piece, graph.longs(2)));
        }
        return out;
    }
}
