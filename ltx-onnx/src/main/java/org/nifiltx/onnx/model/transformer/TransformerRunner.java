package org.nifiltx.onnx.model.transformer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.TransformerConfig;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Runs the transformer graph on ONNX Runtime under the fixed contract ({@link ComponentContract#transformer}).
 * One session serves both timestep forms: a [B] timestep is passed as [B,1], a [B,N] one as is (the graph
 * broadcasts over that axis). Integer masks become float; a missing {@code skip_layer_mask} is all ones.
 */
public final class TransformerRunner implements ComponentRunner {
    private final TransformerConfig config;
    private final ComponentContract contract;
    private final OnnxSession session;

    private TransformerRunner(final TransformerConfig config, final OnnxSession session) {
        this.config = config;
        this.contract = ComponentContract.transformer(config);
        this.session = session;
    }

    public static TransformerRunner open(final LtxCheckpoint checkpoint, final Target target, final SessionConfig config) {
        return create(checkpoint.transformerConfig(), checkpoint.transformerWeights(), target, config);
    }

    /** From a config and weights directly (in-memory checkpoints, tests). */
    public static TransformerRunner create(final TransformerConfig config, final WeightStore weights, final Target target,
            final SessionConfig sessionConfig) {
        return create(config, weights, target, sessionConfig, NumericPolicy.fp32());
    }

    /** The transformer computing as {@code policy} says (int8 block linears). */
    public static TransformerRunner create(final TransformerConfig config, final WeightStore weights, final Target target,
            final SessionConfig sessionConfig, final NumericPolicy policy) {
        return new TransformerRunner(config,
                OnnxSession.create(Transformer3D.build(config, weights, target, policy), sessionConfig));
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        final Map<String, Long> symbols = contract.validate(inputs);
        return session.run(graphInputs(inputs, symbols.get("B")));
    }

    /** The graph's inputs from contract inputs (also for a written graph file run directly): float32 everywhere, timestep as [B,T], the skip mask filled in. */
    public TensorBundle graphInputs(final TensorBundle inputs, final long batch) {
        final Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put(Transformer3D.HIDDEN_STATES, inputs.get(Transformer3D.HIDDEN_STATES).toF32());
        feeds.put(Transformer3D.ENCODER_HIDDEN_STATES, inputs.get(Transformer3D.ENCODER_HIDDEN_STATES).toF32());
        feeds.put(Transformer3D.ENCODER_ATTENTION_MASK, inputs.get(Transformer3D.ENCODER_ATTENTION_MASK).toF32());
        final Tensor timestep = inputs.get(Transformer3D.TIMESTEP).toF32();
        feeds.put(Transformer3D.TIMESTEP, timestep.rank() == 1 ? timestep.reshape(batch, 1) : timestep);
        feeds.put(Transformer3D.VIDEO_COORDS, inputs.get(Transformer3D.VIDEO_COORDS).toF32());
        final Tensor skip = inputs.find(Transformer3D.SKIP_LAYER_MASK).map(Tensor::toF32).orElseGet(() -> {
            final float[] ones = new float[Math.toIntExact(config.numLayers() * batch)];
            Arrays.fill(ones, 1f);
            return Tensor.ofFloats(new long[] {config.numLayers(), batch}, ones);
        });
        feeds.put(Transformer3D.SKIP_LAYER_MASK, skip);
        return TensorBundle.of(feeds);
    }

    public TransformerConfig config() {
        return config;
    }

    @Override
    public void close() {
        session.close();
    }
}
