package org.nifiltx.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.GraphBuilder;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;

/**
 * One ONNX Runtime session plus the options it was made with. {@link #close()} frees both and never throws.
 *
 * <p>Large weights are handed over with {@code addExternalInitializers} and wrap the Java bytes (mapped checkpoint
 * pages, or int8/bf16 buffers made at build) without a copy, but ONNX Runtime 1.29 copies each of them into its own
 * memory at session creation (then prepacks int8/fp32 MatMul weights and frees that copy), and never reads the Java
 * bytes again: overwriting them after creation leaves every output unchanged. Keeping them would hold each weight
 * twice, so they are released as soon as the session exists. Weights mapped from a file (a weight cache, a bf16
 * checkpoint) are not handed over at all: ONNX Runtime maps them from that file itself ({@link MappedInitializers}).
 */
public final class OnnxSession implements AutoCloseable {
    /** ONNX Runtime session config key (onnxruntime_session_options_config_keys.h): optimizers to skip by name. */
    static final String DISABLE_OPTIMIZERS = "optimization.disable_specified_optimizers";

    private final OrtSession session;
    private final OrtSession.SessionOptions options;
    private final OrtEnvironment env;

    private OnnxSession(final OrtEnvironment env, final OrtSession session, final OrtSession.SessionOptions options) {
        this.env = env;
        this.session = session;
        this.options = options;
    }

    /**
     * Builds the graph and opens a session on it; large weights are supplied from their Java bytes, which the caller
     * may drop once this returns (ONNX Runtime holds its own copy, see the class comment).
     */
    public static OnnxSession create(final GraphBuilder graph, final SessionConfig config) {
        return create(graph.build(), graph.suppliedInitializers(), config);
    }

    public static OnnxSession create(final ModelProto model, final Map<String, Tensor> supplied, final SessionConfig config) {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final List<OnnxTensor> weights = new ArrayList<>();
        OrtSession.SessionOptions options = null;
        try {
            options = options(env, config);
            final MappedInitializers.Plan plan = MappedInitializers.plan(model, supplied);
            if (plan.folder() != null) {
                options.addConfigEntry(MappedInitializers.FOLDER_KEY, plan.folder().toString());
            }
            if (!plan.supplied().isEmpty()) {
                final Map<String, OnnxTensorLike> external = new LinkedHashMap<>();
                for (final Map.Entry<String, Tensor> e : plan.supplied().entrySet()) {
                    final OnnxTensor t = OrtTensors.toOrt(env, e.getValue());
                    weights.add(t);
                    external.put(e.getKey(), t);
                }
                options.addExternalInitializers(external);
            }
            return new OnnxSession(env, env.createSession(plan.model().toByteArray(), options), options);
        } catch (final OrtException | RuntimeException e) {
            if (options != null) {
                options.close();
            }
            throw failure("cannot create an ONNX Runtime session for graph '" + model.getGraph().getName() + "'", e);
        } catch (final OutOfMemoryError e) {
            if (options != null) {
                options.close();
            }
            throw new LtxException(LtxErrorCode.OUT_OF_MEMORY, "out of memory while creating the session for graph '"
                    + model.getGraph().getName() + "'", e);
        } finally {
            // the session (if any) holds copies: these wrappers only pin the Java bytes (see the class comment)
            weights.forEach(OnnxTensor::close);
        }
    }

    /**
     * Writes the graph as ONNX Runtime optimizes it for {@code config} (what a session would hold) to {@code file}:
     * evidence of which initializers survive session creation, e.g. that bf16 weights are not folded to float32.
     */
    public static void writeOptimized(final GraphBuilder graph, final SessionConfig config, final Path file) {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = options(env, config)) {
            options.setOptimizedModelFilePath(file.toString());
            env.createSession(graph.buildInline().toByteArray(), options).close();
        } catch (final OrtException e) {
            throw failure("cannot optimize graph '" + graph.build().getGraph().getName() + "'", e);
        }
    }

    /** Opens a model file written by {@link org.nifiltx.onnx.graph.ModelFiles} (external data beside it). */
    public static OnnxSession open(final Path onnxFile, final SessionConfig config) {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = null;
        try {
            options = options(env, config);
            return new OnnxSession(env, env.createSession(onnxFile.toString(), options), options);
        } catch (final OrtException | RuntimeException e) {
            if (options != null) {
                options.close();
            }
            throw failure("cannot open ONNX model " + onnxFile, e);
        }
    }

    private static OrtSession.SessionOptions options(final OrtEnvironment env, final SessionConfig config) throws OrtException {
        final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setInterOpNumThreads(1);
            if (config.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(config.intraOpThreads());
            }
            if (!config.memoryPattern()) {
                options.setMemoryPatternOptimization(false);
            }
            if (config.profilePrefix() != null) {
                options.enableProfiling(config.profilePrefix());
            }
            options.setOptimizationLevel(config.fullOptimization() ? OrtSession.SessionOptions.OptLevel.ALL_OPT
                    : OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            if (config.narrowWeights()) {
                // Constant folding turns Cast(bf16 weight) into a float32 initializer: twice the memory bf16 mode is
                // for. Without it each weight is widened just before its MatMul/Conv and freed after it. The memory
                // pattern planner would keep those transient float32 copies alive together, so it is off too.
                options.addConfigEntry(DISABLE_OPTIMIZERS, "ConstantFolding");
                options.setMemoryPatternOptimization(false);
            }
            if (!config.prepack()) {
                options.addConfigEntry("session.disable_prepacking", "1");
            }
            if (config.keepQdq()) {
                options.addConfigEntry("session.disable_quant_qdq", "1");
            }
            if (config.provider() == ExecutionProvider.CUDA) {
                if (!OrtEnvironment.getAvailableProviders().contains(ai.onnxruntime.OrtProvider.CUDA)) {
                    throw new LtxException(LtxErrorCode.BACKEND_UNAVAILABLE, "the CUDA execution provider was requested but "
                            + "this ONNX Runtime has only " + OrtEnvironment.getAvailableProviders()
                            + "; install the onnxruntime_gpu build with CUDA 12 and cuDNN 9, or use the cpu backend");
                }
                options.addCUDA(config.deviceId());
            }
            return options;
        } catch (final OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    public Set<String> inputNames() {
        return session.getInputNames();
    }

    public Set<String> outputNames() {
        return session.getOutputNames();
    }

    /** Runs the graph on {@code inputs} (only those the graph declares are passed) and returns every output. */
    public TensorBundle run(final TensorBundle inputs) {
        return withFeeds(inputs, feeds -> {
            try (OrtSession.Result result = session.run(feeds)) {
                final Map<String, Tensor> out = new LinkedHashMap<>();
                for (final Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), OrtTensors.fromOrt((OnnxTensor) e.getValue()));
                }
                return TensorBundle.of(out);
            }
        });
    }

    /**
     * Runs the graph, writing the outputs named in {@code outputShapes} straight into tensors of those shapes that this
     * method allocates (ONNX Runtime's pinned outputs): a decoded video exists once, in its final buffer, instead of in
     * ONNX Runtime's memory, then a heap copy, then ours. Only the named outputs are computed and returned.
     */
    public TensorBundle run(final TensorBundle inputs, final Map<String, long[]> outputShapes) {
        return withFeeds(inputs, feeds -> {
            final Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
            try {
                final Map<String, Tensor> targets = new LinkedHashMap<>();
                for (final Map.Entry<String, long[]> e : outputShapes.entrySet()) {
                    final ai.onnxruntime.TensorInfo info = (ai.onnxruntime.TensorInfo) session.getOutputInfo().get(e.getKey()).getInfo();
                    final Tensor target = Tensor.zeros(OrtTensors.dtype(info.type), e.getValue());
                    targets.put(e.getKey(), target);
                    pinned.put(e.getKey(), OrtTensors.toOrt(env, target));
                }
                session.run(feeds, Set.of(), pinned).close();
                return TensorBundle.of(targets);
            } finally {
                pinned.values().forEach(OnnxTensor::close);
            }
        });
    }

    /** A run of the session on the fed inputs. */
    private interface Call {
        TensorBundle apply(Map<String, OnnxTensor> feeds) throws OrtException;
    }

    /**
     * The graph's declared inputs as ONNX Runtime tensors for {@code call}, closed after it; ONNX Runtime failures and
     * running out of memory become the backend's errors.
     */
    private TensorBundle withFeeds(final TensorBundle inputs, final Call call) {
        final Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (final String name : session.getInputNames()) {
                feeds.put(name, OrtTensors.toOrt(env, inputs.get(name)));
            }
            return call.apply(feeds);
        } catch (final OrtException e) {
            throw failure("ONNX Runtime failed", e);
        } catch (final OutOfMemoryError e) {
            throw new LtxException(LtxErrorCode.OUT_OF_MEMORY, "out of memory while running the graph", e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static LtxException failure(final String context, final Exception e) {
        if (e instanceof LtxException ltx) {
            return ltx;
        }
        final String message = String.valueOf(e.getMessage());
        if (message.contains("bad_alloc") || message.contains("Failed to allocate memory")) {
            return new LtxException(LtxErrorCode.OUT_OF_MEMORY, context + ": out of memory (" + message + ")", e);
        }
        return new LtxException(LtxErrorCode.BACKEND_FAILURE, context + ": " + message, e);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (final OrtException e) {
            // closing is best effort; the remaining handles are still freed below
        } finally {
            options.close();
        }
    }
}
