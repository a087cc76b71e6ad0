package org.nifiltx.onnx.backend;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.backend.CpuFeatures;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightReads;
import org.nifiltx.core.checkpoint.WeightStore;
import java.util.List;
import java.util.function.Function;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.graph.QuantizedWeights;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.runtime.QuantizedWeightCache;
import org.nifiltx.onnx.model.t5.T5Encoder;
import org.nifiltx.onnx.model.t5.T5EncoderRunner;
import org.nifiltx.onnx.model.transformer.Fp8TransformerRunner;
import org.nifiltx.onnx.model.transformer.Transformer3D;
import org.nifiltx.onnx.model.transformer.TransformerRunner;
import org.nifiltx.onnx.model.upsampler.LatentUpsamplerRunner;
import org.nifiltx.onnx.model.vae.VaeDecoderRunner;
import org.nifiltx.onnx.model.vae.VaeEncoderRunner;
import org.nifiltx.onnx.model.vae.VaeGraphs;
import org.nifiltx.onnx.runtime.ExecutionProvider;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * ONNX Runtime as a nifi-ltx backend: {@code cpu} (fp32 reference, int8 linear layers with dynamically quantized
 * activations, bf16 storage, or the fp8 Q/DQ transformer TensorRT would fuse, run here to measure it, slowly) and {@code cuda} (needs the GPU build of ONNX Runtime). Components are emitted with ORT's fused contrib
 * operators.
 */
public final class OnnxRuntimeBackend implements Backend {
    /** The transformer's name in weight-cache files. */
    private static final String TRANSFORMER_CACHE = "transformer";

    @Override
    public boolean handles(final String backendName) {
        return "cpu".equals(backendName) || "cuda".equals(backendName);
    }

    @Override
    public String unavailableReason(final BackendOptions options) {
        if ("cuda".equals(options.backend())) {
            if (options.precision() != Precision.FP32 && options.precision() != Precision.AUTO) {
                return "the cuda backend computes in fp32 in this release (graphs cast bf16/fp8 weights to fp32); use --precision fp32";
            }
            try {
                if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                    return "this ONNX Runtime build has no CUDA execution provider (providers: "
                            + OrtEnvironment.getAvailableProviders() + "); use the onnxruntime_gpu build with CUDA 12 and cuDNN 9";
                }
            } catch (final LinkageError e) {
                return "ONNX Runtime could not be loaded: " + e.getMessage();
            }
        }
        return null;
    }

    @Override
    public ComponentRunner transformer(final LtxCheckpoint checkpoint, final BackendOptions options) {
        final WeightStore weights = checkpoint.transformerWeights();
        if (resolvePrecision(options) == Precision.FP8) {
            return fp8Transformer(checkpoint, weights, options);
        }
        return withPolicy(TRANSFORMER_CACHE, weights, options, policy -> TransformerRunner.create(checkpoint.transformerConfig(),
                weights, Target.ONNX_RUNTIME, sessionConfig(options), policy));
    }

    @Override
    public ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return withPolicy("vae-decoder", checkpoint.vaeWeights(), options,
                policy -> VaeDecoderRunner.openWithinProcessBudget(checkpoint, sessionConfig(options),
                        options.effectiveMemoryBudgetBytes(), policy));
    }

    @Override
    public ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return withPolicy("vae-encoder", checkpoint.vaeWeights(), options,
                policy -> VaeEncoderRunner.open(checkpoint, sessionConfig(options), policy));
    }

    @Override
    public ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
            final BackendOptions options) {
        final SessionConfig session = textEncoderSession(options);
        return withPolicy("text-encoder", weights, options,
                policy -> T5EncoderRunner.open(config, weights, useMask, session, policy));
    }

    @Override
    public ComponentRunner latentUpsampler(final LatentUpsamplerModel model, final BackendOptions options) {
        return withPolicy("upsampler", model.weights(), options,
                policy -> LatentUpsamplerRunner.open(model, sessionConfig(options), policy));
    }

    @Override
    public List<WeightReads.Read> requiredWeights(final Component component, final LtxCheckpoint checkpoint) {
        final WeightReads reads = new WeightReads();
        switch (component) {
            case TRANSFORMER -> Transformer3D.build(checkpoint.transformerConfig(), checkpoint.transformerWeights().recording(reads),
                    Target.ONNX_RUNTIME);
            case VAE_DECODE -> VaeGraphs.decoder(checkpoint.vaeConfig(), checkpoint.vaeWeights().recording(reads));
            case VAE_ENCODE -> VaeGraphs.encoder(checkpoint.vaeConfig(), checkpoint.vaeWeights().recording(reads));
            default -> throw new IllegalArgumentException(component + " has no weights in the checkpoint");
        }
        return reads.reads();
    }

    @Override
    public List<WeightReads.Read> requiredTextEncoderWeights(final T5Config config, final WeightStore weights) {
        final WeightReads reads = new WeightReads();
        T5Encoder.build(config, weights.recording(reads), true, Target.ONNX_RUNTIME);
        return reads.reads();
    }

    /**
     * The precision this backend computes {@code options} in: {@code auto} becomes int8 where the CPU has int8
     * dot-product instructions (VNNI, AMX), else fp32; CUDA computes fp32.
     */
    public static Precision resolvePrecision(final BackendOptions options) {
        if ("cuda".equals(options.backend())) {
            return Precision.FP32;
        }
        return options.precision().resolve(CpuFeatures.detect());
    }

    /**
     * Opens a runner whose graph computes in the resolved precision, with reduced weights read from (or, on a miss,
     * written to) the weight cache, so quantization happens once per checkpoint.
     */
    private static <R> R withPolicy(final String component, final WeightStore weights, final BackendOptions options,
            final Function<NumericPolicy, R> open) {
        final R runner = openAndCache(component, weights, options, open);
        // ONNX Runtime copied every weight the graph supplied (see OnnxSession): the Java buffers made for it (int8,
        // bf16, dequantized GGUF, merged LoRA) are garbage now, but direct memory goes back only when its owners are
        // collected, which a quiet heap may not do before the next component loads. Not from openAndCache: its locals
        // (the weight store) would still be reachable.
        System.gc();
        return runner;
    }

    private static <R> R openAndCache(final String component, final WeightStore weights, final BackendOptions options,
            final Function<NumericPolicy, R> open) {
        // fp8 is the transformer's block linears only; the other components compute in fp32 alongside it
        final Precision precision = resolvePrecision(options) == Precision.FP8 ? Precision.FP32 : resolvePrecision(options);
        final QuantizedWeightCache cache = new QuantizedWeightCache(options.cacheDir());
        final QuantizedWeights store = cache.open(component, precision, weights);
        final R runner;
        try {
            runner = open.apply(new NumericPolicy(precision, precision == Precision.FP32 ? null : store));
        } catch (final RuntimeException | Error e) {
            cache.discard(store);
            throw e;
        }
        cache.save(component, precision, weights, store);
        return runner;
    }

    /**
     * The fp8 Q/DQ transformer: activation ranges from the stored calibration beside the weight cache, or, on the first
     * open of a checkpoint, from its first call (stored for the next opens); fp8 weights cached like int8 ones.
     */
    private static ComponentRunner fp8Transformer(final LtxCheckpoint checkpoint, final WeightStore weights,
            final BackendOptions options) {
        final QuantizedWeightCache cache = new QuantizedWeightCache(options.cacheDir());
        final QuantizedWeights store = cache.open(TRANSFORMER_CACHE, Precision.FP8, weights);
        try {
            return Fp8TransformerRunner.open(checkpoint.transformerConfig(), weights, sessionConfig(options),
                    cache.calibration(TRANSFORMER_CACHE, weights), store,
                    calibration -> cache.saveCalibration(TRANSFORMER_CACHE, weights, calibration),
                    () -> cache.save(TRANSFORMER_CACHE, Precision.FP8, weights, store), () -> cache.discard(store));
        } catch (final RuntimeException | Error e) {
            cache.discard(store);
            throw e;
        }
    }

    /**
     * A text encoder that serves one prompt (pair) packs its weights per call instead of when it opens
     * ({@link BackendOptions#textEncoderOnce()}); one kept open for many prompts packs them once.
     */
    static SessionConfig textEncoderSession(final BackendOptions options) {
        return options.textEncoderOnce() ? sessionConfig(options).withoutPrepacking() : sessionConfig(options);
    }

    static SessionConfig sessionConfig(final BackendOptions options) {
        return new SessionConfig("cuda".equals(options.backend()) ? ExecutionProvider.CUDA : ExecutionProvider.CPU,
                options.deviceId(), options.threads(), true).withNarrowWeights(resolvePrecision(options) == Precision.BF16)
                .withKeepQdq(resolvePrecision(options) == Precision.FP8);
    }
}
