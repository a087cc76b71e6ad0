package org.nifiltx.nifi.service;

import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.lora.LoraSpec;

/**
 * The service's LoRA Adapters: a comma-separated list of {@code path[:scale]} whose files exist, checked on the canvas
 * with the words the CLI uses for {@code --lora}. Whether each adapter fits the model is checked by Verify and at enable.
 */
final class LoraAdaptersValidator implements Validator {
    static final LoraAdaptersValidator INSTANCE = new LoraAdaptersValidator();

    private LoraAdaptersValidator() {
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        final ValidationResult.Builder result = new ValidationResult.Builder().subject(subject).input(input);
        try {
            LoraSpec.parseList(input).forEach(LoraSpec::requireExists);
            return result.valid(true).build();
        } catch (final LtxException e) {
            return result.valid(false).explanation(e.getMessage()).build();
        }
    }
}
