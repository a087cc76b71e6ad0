package org.nifiltx.onnx.backend;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.model.t5.T5EncoderRunner;
import org.nifiltx.onnx.model.transformer.TransformerRunner;
import org.nifiltx.onnx.model.upsampler.LatentUpsamplerRunner;
import org.nifiltx.onnx.model.vae.VaeDecoderRunner;
import org.nifiltx.onnx.model.vae.VaeEncoderRunner;
import org.nifiltx.onnx.runtime.ExecutionProvider;
import org.nifiltx.onnx.runtime.SessionConfig;

/**
 * ONNX Runtime as a nifi-ltx backend: {@code cpu} (the reference, fp32) and {@code cuda} (needs the GPU build of
 * ONNX Runtime). Components are emitted with ORT's fused contrib operators.
 */
public final class OnnxRuntimeBackend implements Backend {
    @Override
    public boolean handles(final String backendName) {
        return "cpu".equals(backendName) || "cuda".equals(backendName);
    }

    @Override
    public String unavailableReason(final BackendOptions options) {
        if ("cpu".equals(options.backend()) && options.precision() != Precision.FP32) {
            return "the cpu backend computes in fp32 (ONNX Runtime has no bf16/fp8 CPU kernels); use --precision fp32, "
                    + "or a cuda/tensorrt backend for " + options.precision().name().toLowerCase(java.util.Locale.ROOT);
        }
        if ("cuda".equals(options.backend())) {
            if (options.precision() != Precision.FP32) {
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
        return TransformerRunner.open(checkpoint, Target.ONNX_RUNTIME, sessionConfig(options));
    }

    @Override
    public ComponentRunner vaeDecoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return VaeDecoderRunner.open(checkpoint, sessionConfig(options));
    }

    @Override
    public ComponentRunner vaeEncoder(final LtxCheckpoint checkpoint, final BackendOptions options) {
        return VaeEncoderRunner.open(checkpoint, sessionConfig(options));
    }

    @Override
    public ComponentRunner textEncoder(final T5Config config, final WeightStore weights, final boolean useMask,
            final BackendOptions options) {
        return T5EncoderRunner.open(config, weights, useMask, sessionConfig(options));
    }

    @Override
    public ComponentRunner latentUpsampler(final LatentUpsamplerModel model, final BackendOptions options) {
        return LatentUpsamplerRunner.open(model, sessionConfig(options));
    }

    static SessionConfig sessionConfig(final BackendOptions options) {
        return new SessionConfig("cuda".equals(options.backend()) ? ExecutionProvider.CUDA : ExecutionProvider.CPU,
                options.deviceId(), options.threads(), true);
    }
}
