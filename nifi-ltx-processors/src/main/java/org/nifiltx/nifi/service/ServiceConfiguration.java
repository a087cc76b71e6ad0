package org.nifiltx.nifi.service;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.nifiltx.core.lora.LoraSpec;
import java.util.concurrent.TimeUnit;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.controller.ConfigurationContext;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.text.TextEncoderModel;
import org.nifiltx.nifi.api.LtxPlacement;

/**
 * The service's properties, read once per enable or verification.
 *
 * @param maxConcurrentRuns  model runs (encode, generate, decode) allowed inside the backend at once
 * @param disableTimeout     how long disabling waits for running calls before leaving the close to the last of them
 */
record ServiceConfiguration(Path modelPath, Path textEncoderPath, Path upsamplerPath, List<LoraSpec> loras,
        BackendOptions options, boolean releaseTextEncoder, int maxConcurrentRuns, Duration disableTimeout) {

    static ServiceConfiguration of(final ConfigurationContext context) {
        // Backend, device and precision may come from this node's environment: evaluated and checked here.
        final String backend = NodeSetting.BACKEND.value(context, StandardLtxVideoModelService.BACKEND).trim();
        final int runs = context.getProperty(StandardLtxVideoModelService.MAX_CONCURRENT_RUNS).asInteger();
        final int threads = intraOpThreads(context.getProperty(StandardLtxVideoModelService.INTRA_OP_THREADS).asInteger(), runs,
                Runtime.getRuntime().availableProcessors());
        // The index only means something to a GPU backend; the CPU one is always device 0.
        final int device = BackendChoice.CUDA.getValue().equals(backend)
                ? Integer.parseInt(NodeSetting.DEVICE_INDEX.value(context, StandardLtxVideoModelService.DEVICE_INDEX).trim()) : 0;
        final Path model = Path.of(context.getProperty(StandardLtxVideoModelService.MODEL_PATH).getValue());
        final Path cache = optionalPath(context, StandardLtxVideoModelService.WEIGHT_CACHE_DIRECTORY);
        final boolean releaseTextEncoder = context.getProperty(StandardLtxVideoModelService.RELEASE_TEXT_ENCODER).asBoolean();
        // a text encoder released after each prompt is opened for one prompt (pair): it does not repack its weights
        final BackendOptions options = new BackendOptions(backend,
                Precision.parse(NodeSetting.PRECISION.value(context, StandardLtxVideoModelService.PRECISION).trim()), threads, device,
                cache != null ? cache : BackendOptions.defaultCacheDir(model)).withTextEncoderOnce(releaseTextEncoder);
        final long timeout = context.getProperty(StandardLtxVideoModelService.DISABLE_TIMEOUT)
                .asTimePeriod(TimeUnit.MILLISECONDS);
        return new ServiceConfiguration(model, optionalPath(context, StandardLtxVideoModelService.TEXT_ENCODER_PATH),
                optionalPath(context, StandardLtxVideoModelService.LATENT_UPSAMPLER_PATH),
                LoraSpec.parseList(context.getProperty(StandardLtxVideoModelService.LORA_ADAPTERS).getValue()), options,
                releaseTextEncoder, runs,
                Duration.ofMillis(timeout));
    }

    /**
     * The configured intra-op threads, or for 0 the cores shared between the concurrent runs so they do not fight over
     * them; a single run keeps ONNX Runtime's own default (0: one thread per physical core).
     */
    static int intraOpThreads(final int configured, final int runs, final int cores) {
        if (configured > 0 || runs == 1) {
            return configured;
        }
        return Math.max(1, cores / runs);
    }

    private static Path optionalPath(final ConfigurationContext context, final PropertyDescriptor property) {
        final String value = context.getProperty(property).getValue();
        return value == null || value.isBlank() ? null : Path.of(value);
    }

    /** The backend, device and precision (Auto resolved) this node's model runs with. */
    LtxPlacement placement() {
        return new LtxPlacement(options.backend(), options.deviceId(), options.resolved().precision().label());
    }

    /** The explicit text encoder, else the checkpoint's own (diffusers folder), else none. */
    TextEncoderModel openTextEncoder(final LtxCheckpoint checkpoint) {
        if (textEncoderPath != null) {
            return TextEncoderModel.open(textEncoderPath);
        }
        return checkpoint.textEncoder().isPresent() ? TextEncoderModel.open(modelPath) : null;
    }
}
