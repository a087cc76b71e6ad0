package org.nifiltx.nifi.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.nifi.components.ConfigVerificationResult;
import org.apache.nifi.components.ConfigVerificationResult.Outcome;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.reporting.InitializationException;
import org.apache.nifi.util.MockComponentLog;
import org.apache.nifi.util.MockConfigurationContext;
import org.apache.nifi.util.NoOpProcessor;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.nifi.processors.Fixtures;

/** The service's LoRA Adapters: checked on the canvas, by Verify, and merged at enable. */
class StandardLtxVideoModelServiceLoraTest {
    private static final String LORA = Fixtures.fixture("model/lora/ltx-lora-diffusers.safetensors").toString();

    @TempDir
    Path dir;

    @Test
    void theAdaptersAreMergedAtEnable() {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = Fixtures.addService(runner,
                Map.of(StandardLtxVideoModelService.LORA_ADAPTERS, LORA + ":0.5, " + LORA + ":0.25"));
        final TensorBundle inputs = SafeTensors.read(Fixtures.fixture("cases/lora_transformer/inputs.safetensors"));
        final Tensor expected = SafeTensors.read(Fixtures.fixture("cases/lora_transformer/outputs.safetensors")).get("out");
        Parity.assertClose(expected, service.models().transformer().run(inputs).get("out"), "service with LoRA 0.5 + 0.25");
        runner.disableControllerService(service);
    }

    @Test
    void badEntriesAreInvalidOnTheCanvas() throws InitializationException {
        final TestRunner runner = TestRunners.newTestRunner(NoOpProcessor.class);
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        runner.addControllerService("ltx", service);
        runner.setProperty(service, StandardLtxVideoModelService.MODEL_PATH, Fixtures.fixture("model/diffusers").toString());
        runner.setProperty(service, StandardLtxVideoModelService.LORA_ADAPTERS, LORA + ":0.8");
        runner.assertValid(service);
        for (final String bad : new String[] {LORA + ":strong", "/no/such/lora.safetensors", LORA + ",,"}) {
            runner.setProperty(service, StandardLtxVideoModelService.LORA_ADAPTERS, bad);
            runner.assertNotValid(service);
        }
        final LoraAdaptersValidator validator = LoraAdaptersValidator.INSTANCE;
        assertEquals("LoRA not found: /no/such/lora.safetensors", validator.validate("LoRA Adapters", "/no/such/lora.safetensors",
                null).getExplanation());
        assertEquals("LoRA 'a.safetensors:strong': scale 'strong' is not a number; expected FILE[:SCALE], e.g. "
                + "style.safetensors:0.8", validator.validate("LoRA Adapters", "a.safetensors:strong", null).getExplanation());
    }

    @Test
    void verifyChecksThatEachAdapterFitsTheModel() {
        final List<ConfigVerificationResult> good = verify(LORA + ":0.75");
        assertEquals(List.of("Checkpoint", "Backend", "LoRA Adapters", "Text Encoder", "Transformer", "VAE Decoder",
                "VAE Encoder", "Latent Upsampler", "Weights"),
                good.stream().map(ConfigVerificationResult::getVerificationStepName).toList());
        assertEquals(Outcome.SUCCESSFUL, good.get(2).getOutcome());
        assertEquals("fit the transformer: ltx-lora-diffusers.safetensors x0.75 (diffusers/PEFT, 20 layers)",
                good.get(2).getExplanation());

        final Path other = dir.resolve("other.safetensors");
        SafeTensors.write(other, TensorBundle.of(Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {1, 48}, new float[48]),
                "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", Tensor.ofFloats(new long[] {48, 1}, new float[48]))));
        final ConfigVerificationResult bad = verify(other.toString()).get(2);
        assertEquals(Outcome.FAILED, bad.getOutcome());
        assertEquals("LoRA " + other + " does not fit this transformer: 1 of 1 adapted modules have another shape: "
                + "transformer_blocks.0.attn1.to_q.weight (LoRA [48, 48], weight [32, 32])", bad.getExplanation());
    }

    private static List<ConfigVerificationResult> verify(final String loras) {
        final StandardLtxVideoModelService service = new StandardLtxVideoModelService();
        final Map<PropertyDescriptor, String> properties = Map.of(StandardLtxVideoModelService.MODEL_PATH,
                Fixtures.fixture("model/diffusers").toString(), StandardLtxVideoModelService.LORA_ADAPTERS, loras,
                StandardLtxVideoModelService.BACKEND, "cpu", StandardLtxVideoModelService.INTRA_OP_THREADS, "1",
                StandardLtxVideoModelService.RELEASE_TEXT_ENCODER, "false", StandardLtxVideoModelService.PRECISION, "fp32");
        return service.verify(new MockConfigurationContext(service, properties, null, Map.of()),
                new MockComponentLog("ltx", service), Map.of());
    }
}
