package org.nifiltx.onnx.model.transformer;

import java.util.List;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.onnx.graph.Attr;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.graph.Value;

/**
 * 3-D rotary position embedding over the full inner dimension, computed in the graph from {@code video_coords}
 * [B,3,N] (time already in seconds, height/width in pixels):
 * u = coords / max_pos; angle[k,a] = ω_k·(2u_a − 1) with ω_k = θ^(k/(n−1))·π/2, n = D/6; pair layout k-major,
 * axes (t,h,w) inner; {@code D mod 6} padding entries (angle 0 → cos 1, sin 0) at the START; rotation of interleaved
 * pairs (x₂ᵢ, x₂ᵢ₊₁). The graph works with half-width angle tables [B,N,D/2] (one angle per pair).
 * <p>
 * ONNX Runtime: com.microsoft RotaryEmbedding (interleaved=1, num_heads=1) with a per-token cos/sin cache of
 * B·N rows addressed by position id b·N + n, which reproduces arbitrary per-token angles exactly. Standard ONNX: the
 * decomposed x·cos + rotate(x)·sin.
 */
final class RotaryEmbedding3d {
    private static final int AXES = 3;

    private final GraphBuilder graph;
    private final int innerDim;
    /** [B,N,D/2] each. */
    private final Value cosHalf;
    private final Value sinHalf;
    /** ONNX Runtime form: caches [B·N, D/2] and position ids [B,N]. */
    private Value cosCache;
    private Value sinCache;
    private Value positionIds;
    /** Standard form: repeat-interleaved tables [B,N,D]. */
    private Value cosFull;
    private Value sinFull;

    private RotaryEmbedding3d(final GraphBuilder graph, final int innerDim, final Value cosHalf, final Value sinHalf) {
        this.graph = graph;
        this.innerDim = innerDim;
        this.cosHalf = cosHalf;
        this.sinHalf = sinHalf;
    }

    static RotaryEmbedding3d build(final GraphBuilder graph, final TransformerConfig config, final Value videoCoords) {
        final int innerDim = config.innerDim();
        final int frequencyCount = innerDim / 6;
        final int padding = config.ropePadding();
        final float[] maxPositions = new float[AXES];
        for (int a = 0; a < AXES; a++) {
            maxPositions[a] = config.positionalEmbeddingMaxPos()[a];
        }
        // [B,3,N] → [B,N,3] fractions → 2u − 1
        final Value fractions = graph.div(graph.transpose(videoCoords, 0, 2, 1), graph.constant(new long[] {AXES}, maxPositions));
        final Value centered = graph.sub(graph.mul(fractions, graph.scalar(2f)), graph.scalar(1f));
        // [B,N,3,1] · [n] → [B,N,3,n] → [B,N,n,3] → [B,N,3n]
        final Value perAxis = graph.mul(graph.unsqueeze(centered, -1),
                graph.constant(new long[] {frequencyCount}, frequencies(frequencyCount, config.positionalEmbeddingTheta())));
        Value angles = graph.reshape(graph.transpose(perAxis, 0, 1, 3, 2), 0, 0, (long) AXES * frequencyCount);
        if (padding > 0) {
            // pad pairs at the start: angle 0 gives cos 1 and sin 0
            angles = graph.op("Pad", angles, graph.longs(0, 0, padding / 2, 0, 0, 0));
        }
        return new RotaryEmbedding3d(graph, innerDim, graph.op("Cos", angles), graph.op("Sin", angles));
    }

    /** ω_k = θ^linspace(0,1,n)_k · π/2 in float32, in the reference's order of operations. */
    static float[] frequencies(final int count, final double theta) {
        final float[] out = new float[count];
        final float step = count > 1 ? 1f / (count - 1) : 0f;
        for (int k = 0; k < count; k++) {
            // torch.linspace fills the second half from the end so the last value is exactly 1
            final float position = k < count / 2 ? step * k : 1f - step * (count - 1 - k);
            final float power = (float) Math.pow(theta, position);
            out[k] = power * (float) Math.PI / 2f;
        }
        return out;
    }

    /** Rotates x [B,N,D] (q or k after their norm). */
    Value apply(final Value x) {
        if (graph.target() == Target.ONNX_RUNTIME) {
            prepareCaches();
            return graph.node("RotaryEmbedding", GraphBuilder.MICROSOFT_DOMAIN, List.of(x, positionIds, cosCache, sinCache), 1,
                    Attr.i("interleaved", 1), Attr.i("num_heads", 1)).get(0);
        }
        prepareFullTables();
        // rotate pairs: (x₀, x₁) → (−x₁, x₀)
        final Value pairs = graph.reshape(x, 0, 0, innerDim / 2, 2);
        final Value even = graph.slice(pairs, 3, 0, 1);
        final Value odd = graph.slice(pairs, 3, 1, 2);
        final Value rotated = graph.reshape(graph.concat(3, graph.op("Neg", odd), even), 0, 0, innerDim);
        return graph.add(graph.mul(x, cosFull), graph.mul(rotated, sinFull));
    }

    private void prepareCaches() {
        if (cosCache != null) {
            return;
        }
        cosCache = graph.reshape(cosHalf, -1, innerDim / 2);
        sinCache = graph.reshape(sinHalf, -1, innerDim / 2);
        // position id of token n in item b is its row b·N + n in the caches
        final Value shape = graph.op("Shape", cosHalf);
        final Value batchAndTokens = graph.slice(shape, 0, 0, 2);
        final Value rows = graph.op("ReduceProd", List.of(batchAndTokens), Attr.i("keepdims", 0));
        final Value zero = graph.initializer(graph.fresh("zero"), Tensor.ofLongs(new long[0], new long[] {0}));
        final Value one = graph.initializer(graph.fresh("one"), Tensor.ofLongs(new long[0], new long[] {1}));
        final Value range = graph.op("Range", zero, rows, one);
        positionIds = graph.op("Reshape", range, batchAndTokens);
    }

    private void prepareFullTables() {
        if (cosFull != null) {
            return;
        }
        cosFull = repeatInterleave(cosHalf);
        sinFull = repeatInterleave(sinHalf);
    }

    /** [B,N,D/2] → [B,N,D] with every entry twice. */
    private Value repeatInterleave(final Value half) {
        final Value column = graph.unsqueeze(half, -1);
        return graph.reshape(graph.concat(3, column, column), 0, 0, innerDim);
    }
}
