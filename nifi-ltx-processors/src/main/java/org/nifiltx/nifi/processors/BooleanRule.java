package org.nifiltx.nifi.processors;

import java.util.Locale;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/**
 * A true/false property that accepts Expression Language, checked with the same words on the canvas (a literal value)
 * and on the value an expression gives for each FlowFile ({@link FlowFileSettings#flag}).
 */
final class BooleanRule implements Validator {
    static final BooleanRule TRUE_OR_FALSE = new BooleanRule();

    private BooleanRule() {
    }

    /** What is wrong with {@code value}, or null when it is true or false (any case). */
    String problem(final String value) {
        final String text = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return null;
        }
        return (text.isEmpty() ? "an empty value" : "'" + value.trim() + "'") + " is not true or false";
    }

    static boolean parse(final String value) {
        return value.trim().equalsIgnoreCase("true");
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        final ValidationResult.Builder result = new ValidationResult.Builder().subject(subject).input(input);
        if (context.isExpressionLanguageSupported(subject) && context.isExpressionLanguagePresent(input)) {
            return result.valid(true).explanation("Expression Language is checked for each FlowFile").build();
        }
        final String problem = problem(input);
        return result.valid(problem == null).explanation(problem).build();
    }
}
