package org.nifiltx.core.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The ltx-tiny reference fixtures as every module's tests see them: one copy under ltx-core's test resources, on each
 * module's test class path at {@code /fixtures/ltx-tiny/} (tests never read the shared folder).
 */
public final class TinyFixtures {
    private TinyFixtures() {
    }

    /** The fixture file or folder at {@code relative} (e.g. {@code model/ltxv-tiny.safetensors}). */
    public static Path path(final String relative) {
        final URL url = TinyFixtures.class.getResource("/fixtures/ltx-tiny/" + relative);
        if (url == null) {
            throw new IllegalStateException("test resource missing: fixtures/ltx-tiny/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TensorBundle read(final String relative) {
        return SafeTensors.read(path(relative));
    }

    /**
     * A copy of the diffusers fixture under {@code directory}/model whose transformer weights went through
     * {@code edit} (a checkpoint that lacks a weight, or has one of another shape).
     */
    public static Path diffusersWithTransformer(final Path directory, final Consumer<Map<String, Tensor>> edit)
            throws IOException {
        final Path copy = diffusersCopy(directory);
        final Path weights = copy.resolve("transformer/diffusion_pytorch_model.safetensors");
        final Map<String, Tensor> tensors = new LinkedHashMap<>(SafeTensors.read(weights).tensors());
        edit.accept(tensors);
        // the tensors map the file they came from: write beside it, then replace it
        final Path edited = weights.resolveSibling("edited.safetensors");
        SafeTensors.write(edited, TensorBundle.of(tensors));
        Files.move(edited, weights, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    /** A copy of the tiny diffusers folder at {@code directory/model}, for tests that replace parts of it. */
    public static Path diffusersCopy(final Path directory) throws IOException {
        final Path source = path("model/diffusers");
        final Path copy = directory.resolve("model");
        try (Stream<Path> files = Files.walk(source)) {
            for (final Path file : files.toList()) {
                final Path target = copy.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        return copy;
    }
}
