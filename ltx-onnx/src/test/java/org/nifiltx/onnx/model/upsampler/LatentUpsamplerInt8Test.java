package org.nifiltx.onnx.model.upsampler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nifiltx.core.backend.LatentUpsamplerModel;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.NumericPolicy;
import org.nifiltx.onnx.layers.Conv;
import org.nifiltx.onnx.runtime.SessionConfig;

/** int8 latent upsampler on the fixture model, every bulk conv quantized (threshold 0); bounds measured + margin. */
class LatentUpsamplerInt8Test {
    /**
     * Bounds measured on each fixture model, plus margin: cosine / max relative error 0.999851 / 1.81e-2 (spatial),
     * 0.999778 / 1.84e-2 (temporal), 0.999843 / 1.82e-2 (spatio-temporal).
     */
    @ParameterizedTest
    @CsvSource({"model/latent_upsampler, 0.9995, 0.03", "model/latent_upsampler_temporal, 0.9995, 0.03",
        "model/latent_upsampler_spatiotemporal, 0.9995, 0.03"})
    void int8UpsampleStaysCloseToFp32(final String folder, final double minCosine, final double maxRelativeError) {
        final LatentUpsamplerModel model = LatentUpsamplerModel.open(TinyFixtures.path(folder));
        final TensorBundle inputs = SafeTensors.read(TinyFixtures.path("cases/latent_upsample/inputs.safetensors"));
        final TensorBundle feeds = TensorBundle.of(Map.of(LatentUpsampler.INPUT, inputs.get(LatentUpsampler.INPUT)));
        final NumericPolicy int8 = NumericPolicy.of(Precision.INT8);
        final float[] reference;
        try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model, SessionConfig.cpu())) {
            reference = runner.run(feeds).get(LatentUpsampler.OUTPUT).toFloatArray();
        }
        final float[] quantized = Conv.withInt8MinMacs(0, () -> {
            try (LatentUpsamplerRunner runner = LatentUpsamplerRunner.open(model, SessionConfig.cpu(), int8)) {
                return runner.run(feeds).get(LatentUpsampler.OUTPUT).toFloatArray();
            }
        });
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < reference.length; i++) {
            dot += (double) reference[i] * quantized[i];
            na += (double) reference[i] * reference[i];
            nb += (double) quantized[i] * quantized[i];
        }
        final double cosine = dot / Math.sqrt(na * nb);
        final double relative = Parity.relativeError(reference, quantized);
        System.out.printf("%s int8: cosine %.6f, max rel err %.3e%n", folder, cosine, relative);
        final Map<String, Tensor> computed = int8.weights().computed();
        assertTrue(computed.keySet().stream().anyMatch(k -> k.endsWith(Conv.YSCALE_SUFFIX)), computed.keySet().toString());
        assertFalse(computed.containsKey("initial_conv.weight" + Conv.YSCALE_SUFFIX));
        assertFalse(computed.containsKey("final_conv.weight" + Conv.YSCALE_SUFFIX));
        assertTrue(cosine >= minCosine, "cosine " + cosine);
        assertTrue(relative <= maxRelativeError, "max relative error " + relative);
    }
}
