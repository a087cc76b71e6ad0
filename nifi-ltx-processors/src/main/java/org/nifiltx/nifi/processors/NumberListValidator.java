package org.nifiltx.nifi.processors;

import java.util.ArrayList;
import java.util.List;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/** Comma-separated numbers (timesteps in (0, 1], or non-negative block indices). */
final class NumberListValidator implements Validator {
    static final NumberListValidator TIMESTEPS = new NumberListValidator(false);
    static final NumberListValidator BLOCK_INDICES = new NumberListValidator(true);

    private final boolean integers;

    private NumberListValidator(final boolean integers) {
        this.integers = integers;
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        String explanation = null;
        try {
            final List<Double> values = parseDoubles(input);
            for (final double value : values) {
                if (integers ? value < 0 || value != Math.rint(value) : !(value > 0 && value <= 1)) {
                    explanation = (integers ? "each entry must be a non-negative integer" : "each timestep must lie in (0, 1]")
                            + ", got " + value;
                }
            }
        } catch (final NumberFormatException e) {
            explanation = "must be comma-separated numbers, got '" + input + "'";
        }
        return new ValidationResult.Builder().subject(subject).input(input).valid(explanation == null)
                .explanation(explanation).build();
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
