package org.nifiltx.onnx.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.ComponentRunner;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.text.TextEncoderModel;

/**
 * A text encoder that serves one prompt ({@link BackendOptions#textEncoderOnce()}: one {@code ltx generate}, a service
 * releasing it after each prompt) packs its weights per call; one kept open packs them when it opens. Both encode the
 * same, bit for bit (int8, the tiny fixture's T5 from the weight cache).
 */
class TextEncoderSessionTest {
    @TempDir
    Path dir;

    @Test
    void aTextEncoderForOnePromptSkipsPackingAndEncodesTheSame() {
        final BackendOptions kept = new BackendOptions("cpu", Precision.INT8, 0, 0, dir);
        assertTrue(OnnxRuntimeBackend.textEncoderSession(kept).prepack());
        assertFalse(OnnxRuntimeBackend.textEncoderSession(kept.withTextEncoderOnce(true)).prepack());
        final TextEncoderModel model = TextEncoderModel.open(TinyFixtures.path("model/diffusers"));
        final TensorBundle inputs = TinyFixtures.read("cases/t5_tokenize_encode/inputs.safetensors");
        final float[] packed;
        try (ComponentRunner runner = new OnnxRuntimeBackend().textEncoder(model.config(), model.weights(), true, kept)) {
            packed = runner.run(inputs).get("last_hidden_state").toFloatArray();
        }
        try (ComponentRunner runner = new OnnxRuntimeBackend().textEncoder(model.config(), model.weights(), true,
                kept.withTextEncoderOnce(true))) {
            assertArrayEquals(packed, runner.run(inputs).get("last_hidden_state").toFloatArray());
        }
    }
}
