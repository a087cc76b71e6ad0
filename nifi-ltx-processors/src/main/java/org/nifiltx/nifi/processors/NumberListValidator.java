package org.nifiltx.nifi.processors;

import java.util.ArrayList;
import java.util.List;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/**
 * Comma-separated numbers (timesteps in (0, 1], or non-negative block indices), checked on the canvas for a literal
 * value and per FlowFile for an expression's result, with the same words.
 */
final class NumberListValidator implements Validator {
    static final NumberListValidator TIMESTEPS = new NumberListValidator(false);
    static final NumberListValidator BLOCK_INDICES = new NumberListValidator(true);

    private final boolean integers;

    private NumberListValidator(final boolean integers) {
        this.integers = integers;
    }

    /** What is wrong with {@code input}, or null when every entry is valid. */
    String problem(final String input) {
        final String text = input == null ? "" : input;
        int entries = 0;
        for (final String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            final String entry = part.trim();
            final double value;
            try {
                value = Double.parseDouble(entry);
            } catch (final NumberFormatException e) {
                return "'" + text.trim() + "' is not a comma-separated list of numbers";
            }
            if (integers && (value < 0 || value != Math.rint(value))) {
                return entry + " is not a non-negative integer";
            }
            if (!integers && !(value > 0 && value <= 1)) {
                return entry + " is not in (0, 1]";
            }
            entries++;
        }
        return entries == 0 && !integers ? "an empty list has no timesteps" : null;
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

    static List<Double> parseDoubles(final String input) {
        final List<Double> values = new ArrayList<>();
        for (final String part : input.split(",")) {
            if (!part.isBlank()) {
                values.add(Double.parseDouble(part.trim()));
            }
        }
        return values;
    }

    static List<Integer> parseIntegers(final String input) {
        final List<Integer> values = new ArrayList<>();
        for (final double value : parseDoubles(input)) {
            values.add((int) value);
        }
        return values;
    }
}
