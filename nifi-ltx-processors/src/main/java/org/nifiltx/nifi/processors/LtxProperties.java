package org.nifiltx.nifi.processors;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.nifi.api.LtxVideoModelService;

/** Properties, relationships and counters the three processors share. */
final class LtxProperties {
    static final PropertyDescriptor MODEL_SERVICE = new PropertyDescriptor.Builder()
            .name("LTX-Video Model Service")
            .description("The controller service holding the LTX-Video model.")
            .required(true)
            .identifiesControllerService(LtxVideoModelService.class)
            .build();
    /** The property GenerateLatents and DecodeVideo had before the content carried EncodePrompt's Compatibility. */
    static final String OLD_COMPAT = "Compatibility";
    static final PropertyDescriptor SEED = new PropertyDescriptor.Builder()
            .name("Seed")
            .description("Seed of the noise, a 64-bit integer: the same seed gives the same video on every machine. When unset "
                    + "or when it evaluates to an empty value (by default: no ltx.seed attribute), each FlowFile gets a random "
                    + "seed, which is written to the FlowFile so the video can be made again.")
            .required(false)
            .defaultValue("${" + LtxAttributes.SEED + "}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(NumberRule.ANY_LONG)
            .build();
    static final PropertyDescriptor NOISE_FILE = new PropertyDescriptor.Builder()
            .name("Noise File")
            .description("Optional safetensors file supplying the noise draws by name, as the CLI's --noise: GenerateLatents "
                    + "takes initial_latents (packed [1, N, C]) and image_latent_noise, DecodeVideo takes decode_noise; draws it "
                    + "lacks come from the seed. Reproduces a reference pipeline exactly.")
            .required(false)
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_BLANK_VALIDATOR)
            .build();

    static final Relationship SUCCESS = new Relationship.Builder()
            .name("success")
            .description("The FlowFile with the stage's output as content and ltx.* attributes.")
            .build();
    static final Relationship RETRY = new Relationship.Builder()
            .name("retry")
            .description("The original FlowFile, content unchanged and penalized, with ltx.error, when the run failed for a "
                    + "reason that may pass: out of memory, a failure of the backend (ONNX Runtime, the GPU) or an output "
                    + "that cannot be written (a full or read-only temporary folder). Route it back to the processor, perhaps "
                    + "after lowering its concurrent tasks.")
            .build();
    static final Relationship FAILURE = new Relationship.Builder()
            .name("failure")
            .description("The original FlowFile, content unchanged and penalized, with ltx.error saying what is wrong with its "
                    + "content or settings; running it again gives the same error.")
            .build();

    /** Counters (session.adjustCounter), shown per processor on the canvas' counters page. */
    static final String COUNTER_FAILURES = "LTX failures";
    static final String COUNTER_RETRIES = "LTX retries";
    static final String COUNTER_STOPPED = "LTX generations stopped";
    static final String COUNTER_DENOISING_STEPS = "LTX denoising steps";

    private LtxProperties() {
    }
}
