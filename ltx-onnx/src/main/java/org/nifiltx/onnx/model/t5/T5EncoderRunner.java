package org.nifiltx.onnx.model.t5;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nifiltx.core.backend.ComponentContract;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.OnnxSession;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * Runs the T5 encoder graph: {@code input_ids}, {@code attention_mask} [B, L] → {@code last_hidden_state} [B, L, dModel].
 * Without the mask the attention mask is still required by the contract but not given to T5 (diffusers LTXPipeline).
 */
public final class T5EncoderRunner implements ComponentRunner {
    private final T5Config config;
    private final boolean useMask;
    private final ComponentContract contract;
    private final OnnxSession session;

    private T5EncoderRunner(final T5Config config, final boolean useMask, final OnnxSession session) {
        this.config = config;
        this.useMask = useMask;
        this.contract = ComponentContract.textEncoder(config);
        this.session = session;
    }

    public static T5EncoderRunner open(final T5Config config, final WeightStore weights, final boolean useMask,
            final SessionConfig sessionConfig) {
        return open(config, weights, useMask, sessionConfig, NumericPolicy.fp32());
    }

    /** The encoder computing as {@code policy} says (int8 block linears). */
    public static T5EncoderRunner open(final T5Config config, final WeightStore weights, final boolean useMask,
            final SessionConfig sessionConfig, final NumericPolicy policy) {
        return new T5EncoderRunner(config, useMask,
                OnnxSession.create(T5Encoder.build(config, weights, useMask, Target.ONNX_RUNTIME, policy), sessionConfig));
    }

    public boolean usesMask() {
        return useMask;
    }

    @Override
    public TensorBundle run(final TensorBundle inputs) {
        contract.validate(inputs);
        final Tensor ids = inputs.get(T5Encoder.INPUT_IDS);
        final long[] idValues = integers(ids, T5Encoder.INPUT_IDS);
        for (int i = 0; i < idValues.length; i++) {
            if (idValues[i] < 0 || idValues[i] >= config.vocabSize()) {
                throw new LtxException(LtxErrorCode.INVALID_TENSOR, "text encoder: input_ids holds token id " + idValues[i]
                        + " at flat index " + i + "; ids must lie in [0, " + config.vocabSize() + ") (vocab_size)");
            }
        }
        final Map<String, Tensor> feeds = new LinkedHashMap<>();
        feeds.put(T5Encoder.INPUT_IDS, Tensor.ofLongs(ids.shape(), idValues));
        if (useMask) {
            final Tensor mask = inputs.get(T5Encoder.ATTENTION_MASK);
            feeds.put(T5Encoder.ATTENTION_MASK, Tensor.ofLongs(mask.shape(), integers(mask, T5Encoder.ATTENTION_MASK)));
        }
        return session.run(TensorBundle.of(feeds));
    }

    /** The tensor as int64 values; a float tensor must hold whole numbers. */
    private static long[] integers(final Tensor tensor, final String name) {
        if (tensor.dtype().isFloatingPoint()) {
            final float[] values = tensor.toFloatArray();
            final long[] out = new long[values.length];
            for (int i = 0; i < values.length; i++) {
                if (values[i] != Math.rint(values[i])) {
                    throw new LtxException(LtxErrorCode.INVALID_TENSOR, "text encoder: " + name + " holds " + values[i]
                            + " at flat index " + i + "; expected whole numbers");
                }
                out[i] = (long) values[i];
            }
            return out;
        }
        return tensor.toLongArray();
    }

    @Override
    public void close() {
        session.close();
    }
}
