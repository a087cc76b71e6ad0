package org.nifiltx.nifi.processors;

import java.util.function.DoublePredicate;
import java.util.function.LongPredicate;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;

/**
 * The rule one numeric property's value follows, checked twice with the same words: as the property's validator on
 * the canvas (a literal value; an expression passes there) and on the value an expression gives for each FlowFile.
 * A problem reads "{@code <value> is not <requirement>}", e.g. "10 is not 8N+1".
 */
final class NumberRule implements Validator {
    /** Pixels per latent along height and width for every LTX-Video VAE. */
    static final int SPATIAL_COMPRESSION = 32;
    /** Frames per latent frame after the first for every LTX-Video VAE. */
    static final int TEMPORAL_COMPRESSION = 8;

    static final NumberRule FRAME_COUNT = integer(TEMPORAL_COMPRESSION + "N+1",
            value -> value >= 1 && (value - 1) % TEMPORAL_COMPRESSION == 0);
    static final NumberRule PIXEL_SIZE = integer("a positive multiple of " + SPATIAL_COMPRESSION,
            value -> value >= SPATIAL_COMPRESSION && value % SPATIAL_COMPRESSION == 0);
    static final NumberRule POSITIVE_INTEGER = integer("at least 1", value -> value >= 1);
    static final NumberRule NON_NEGATIVE_INTEGER = integer("at least 0", value -> value >= 0);
    static final NumberRule ANY_LONG = new NumberRule(true, Long.MIN_VALUE, Long.MAX_VALUE, null, value -> true);
    static final NumberRule NON_NEGATIVE = decimal("at least 0", value -> value >= 0);
    static final NumberRule POSITIVE = decimal("above 0", value -> value > 0);
    static final NumberRule UNIT_INTERVAL = decimal("in [0, 1]", value -> value >= 0 && value <= 1);

    private final boolean integer;
    private final long min;
    private final long max;
    private final String requirement;
    private final DoublePredicate test;

    private NumberRule(final boolean integer, final long min, final long max, final String requirement, final DoublePredicate test) {
        this.integer = integer;
        this.min = min;
        this.max = max;
        this.requirement = requirement;
        this.test = test;
    }

    /** A 32-bit integer following {@code test}. */
    static NumberRule integer(final String requirement, final LongPredicate test) {
        return new NumberRule(true, Integer.MIN_VALUE, Integer.MAX_VALUE, requirement, value -> test.test((long) value));
    }

    /** A finite decimal number following {@code test}. */
    static NumberRule decimal(final String requirement, final DoublePredicate test) {
        return new NumberRule(false, 0, 0, requirement, test);
    }

    boolean integer() {
        return integer;
    }

    /** What is wrong with {@code value}, or null when it follows the rule. */
    String problem(final String value) {
        final String text = value == null ? "" : value.trim();
        final double number;
        try {
            if (integer) {
                final long parsed = Long.parseLong(text);
                if (parsed < min || parsed > max) {
                    return quote(text) + " is not a valid " + (max == Integer.MAX_VALUE ? "32-bit" : "64-bit") + " integer";
                }
                number = parsed;
            } else {
                number = Double.parseDouble(text);
            }
        } catch (final NumberFormatException e) {
            return quote(text) + " is not a valid " + (integer ? "integer" : "number");
        }
        if (!integer && !Double.isFinite(number)) {
            return quote(text) + " is not a finite number";
        }
        return test.test(number) ? null : text + " is not " + requirement;
    }

    /** The value as a number; call after {@link #problem(String)} returned null. */
    static double parse(final String value) {
        return Double.parseDouble(value.trim());
    }

    private static String quote(final String text) {
        return text.isEmpty() ? "an empty value" : "'" + text + "'";
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
