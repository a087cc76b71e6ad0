package org.nifiltx.nifi.processors;

import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.expression.ExpressionLanguageScope;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.processor.util.StandardValidators;
import org.nifiltx.nifi.api.LtxVideoModelService;

/** Properties and relationships the three processors share. */
final class LtxProperties {
    static final PropertyDescriptor MODEL_SERVICE = new PropertyDescriptor.Builder()
            .name("LTX-Video Model Service")
            .description("The controller service holding the LTX-Video model.")
            .required(true)
            .identifiesControllerService(LtxVideoModelService.class)
            .build();
    static final PropertyDescriptor COMPAT = new PropertyDescriptor.Builder()
            .name("Compatibility")
            .description("Which reference pipeline's semantics to follow; use the same value in all three processors.")
            .required(true)
            .allowableValues(CompatChoice.class)
            .defaultValue(CompatChoice.OFFICIAL)
            .build();
    static final PropertyDescriptor GUIDANCE_SCALE = new PropertyDescriptor.Builder()
            .name("Guidance Scale")
            .description("Classifier-free guidance scale; above 1 the negative prompt is encoded and used. EncodePrompt and "
                    + "GenerateLatents must agree on whether it is above 1.")
            .required(true)
            .defaultValue("3.0")
            .addValidator(StandardValidators.createNonNegativeFloatingPointValidator(100))
            .build();
    static final PropertyDescriptor SEED = new PropertyDescriptor.Builder()
            .name("Seed")
            .description("Seed of the noise (a 64-bit integer); the same seed gives the same video on every machine.")
            .required(true)
            .defaultValue("${" + LtxAttributes.SEED + ":replaceNull(0)}")
            .expressionLanguageSupported(ExpressionLanguageScope.FLOWFILE_ATTRIBUTES)
            .addValidator(StandardValidators.NON_EMPTY_EL_VALIDATOR)
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
    static final Relationship FAILURE = new Relationship.Builder()
            .name("failure")
            .description("The original FlowFile, content unchanged, with ltx.error saying why.")
            .build();

    private LtxProperties() {
    }
}
