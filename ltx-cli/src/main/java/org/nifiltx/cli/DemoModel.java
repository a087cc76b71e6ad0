package org.nifiltx.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.nifiltx.core.error.WriteFailure;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The built-in demo model ({@code ltx generate --model demo}): a tiny LTX-Video 0.9.5-style diffusers folder with
 * random weights from a seeded {@link Random}, so a fresh machine can run the whole pipeline without downloads. The
 * sizes are those of the ltx-tiny test fixture (2 transformer blocks of width 32, a 16-channel VAE with 32× spatial and
 * 8× temporal compression, a 2-layer T5 of width 24). Its output is noise, not a video of the prompt.
 */
public final class DemoModel {
    /** The word {@code --model} takes for this model. */
    public static final String NAME = "demo";
    /** Bumped whenever configs or weights change, so a stale cached copy is never reused. */
    static final String VERSION = "1";
    private static final long SEED = 20250101L;

    private DemoModel() {
    }

    /** The demo folder in the temp directory, written on first use; concurrent callers each move a complete copy in. */
    public static Path cached() {
        final Path target = Path.of(System.getProperty("java.io.tmpdir"), "nifi-ltx-demo-model-v" + VERSION);
        if (Files.isRegularFile(target.resolve("model_index.json"))) {
            return target;
        }
        try {
            final Path temporary = Files.createTempDirectory(target.getParent(), ".nifi-ltx-demo-");
            writeTo(temporary);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (final IOException e) {
                // Another process won the race (the target exists, full or not): its copy is identical once complete.
                deleteRecursively(temporary);
                if (!Files.isRegularFile(target.resolve("model_index.json"))) {
                    throw e;
                }
            }
            return target;
        } catch (final IOException e) {
            throw WriteFailure.of("the demo model to", target, e);
        }
    }

    /** Writes the complete diffusers layout into {@code folder}; the same bytes every time. */
    public static void writeTo(final Path folder) throws IOException {
        write(folder.resolve("model_index.json"), DemoConfigs.MODEL_INDEX);
        write(folder.resolve("scheduler/scheduler_config.json"), DemoConfigs.SCHEDULER);
        write(folder.resolve("transformer/config.json"), DemoConfigs.TRANSFORMER);
        write(folder.resolve("vae/config.json"), DemoConfigs.VAE);
        write(folder.resolve("text_encoder/config.json"), DemoConfigs.TEXT_ENCODER);
        write(folder.resolve("tokenizer/tokenizer_config.json"), DemoConfigs.TOKENIZER);
        try (InputStream spiece = DemoModel.class.getResourceAsStream("/demo/spiece.model")) {
            if (spiece == null) {
                throw new IllegalStateException("resource /demo/spiece.model is missing from the ltx-cli jar");
            }
            Files.copy(spiece, folder.resolve("tokenizer/spiece.model"), StandardCopyOption.REPLACE_EXISTING);
        }
        SafeTensors.write(folder.resolve("transformer/diffusion_pytorch_model.safetensors"), weights(DemoWeights.transformer()));
        SafeTensors.write(folder.resolve("vae/diffusion_pytorch_model.safetensors"), weights(DemoWeights.vae()));
        SafeTensors.write(folder.resolve("text_encoder/model.safetensors"), weights(DemoWeights.textEncoder()));
    }

    private static void write(final Path file, final String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Random tensors for the named shapes; each tensor has its own generator so the list order does not matter. */
    static TensorBundle weights(final Map<String, long[]> shapes) {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (final Map.Entry<String, long[]> entry : shapes.entrySet()) {
            tensors.put(entry.getKey(), tensor(entry.getKey(), entry.getValue()));
        }
        return TensorBundle.of(tensors);
    }

    private static Tensor tensor(final String name, final long[] shape) {
        final float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
        final Random random = new Random(SEED * 31 + name.hashCode());
        final double std = standardDeviation(name, shape);
        final float constant = constant(name);
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.isNaN(constant) ? (float) (std * random.nextGaussian()) : constant;
        }
        return Tensor.ofFloats(shape, values);
    }

    /** Fixed values where a random one would break the model: norm gains, latent statistics, the VAE time scale. */
    private static float constant(final String name) {
        if (name.endsWith("norm_q.weight") || name.endsWith("norm_k.weight") || name.endsWith("layer_norm.weight")
                || name.equals("latents_std")) {
            return 1f;
        }
        if (name.equals("latents_mean")) {
            return 0f;
        }
        if (name.endsWith("timestep_scale_multiplier")) {
            return 1000f;
        }
        return Float.NaN;
    }

    /** 1/sqrt(fan-in) keeps every activation of order one, so the outputs stay finite through all blocks. */
    private static double standardDeviation(final String name, final long[] shape) {
        if (shape.length >= 2 && !name.contains("scale_shift_table") && !name.contains("relative_attention_bias")) {
            return name.equals("shared.weight") ? 1.0 : 1.0 / Math.sqrt(Tensor.numel(shape) / (double) shape[0]);
        }
        return name.endsWith(".bias") ? 0.02 : 0.1;
    }

    private static void deleteRecursively(final Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (final Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(each);
            }
        } catch (final UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
