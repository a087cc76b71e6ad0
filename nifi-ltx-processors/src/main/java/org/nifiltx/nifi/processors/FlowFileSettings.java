package org.nifiltx.nifi.processors;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.Validator;
import org.apache.nifi.flowfile.FlowFile;
import org.apache.nifi.processor.ProcessContext;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A processor's per-request properties evaluated against one FlowFile. Each value is checked with its property's rule
 * ({@link NumberRule}, {@link NumberListValidator}); every problem is collected as "{@code <Property>: <problem>}" and
 * {@link #check()} reports them all in one {@link LtxException} (INVALID_ARGUMENT), the FlowFile's {@code ltx.error}.
 */
final class FlowFileSettings {
    /** Random seeds stay below 2^48: java.util.Random, behind SeededNoise, keeps 48 bits of its seed. */
    static final long RANDOM_SEED_BOUND = 1L << 48;

    private final ProcessContext context;
    private final FlowFile flowFile;
    private final List<String> problems = new ArrayList<>();

    FlowFileSettings(final ProcessContext context, final FlowFile flowFile) {
        this.context = context;
        this.flowFile = flowFile;
    }

    /** The evaluated value, or null when the property is unset or evaluates to blank text. */
    String text(final PropertyDescriptor property) {
        final String value = context.getProperty(property).evaluateAttributeExpressions(flowFile).getValue();
        return value == null || value.isBlank() ? null : value;
    }

    /** A 32-bit integer property; 0 (and a recorded problem) when its value breaks its rule. */
    int integer(final PropertyDescriptor property) {
        final String value = text(property);
        return checked(property, value) ? (int) Long.parseLong(value.trim()) : 0;
    }

    /** A decimal property; 0 (and a recorded problem) when its value breaks its rule. */
    double decimal(final PropertyDescriptor property) {
        final String value = text(property);
        return checked(property, value) ? NumberRule.parse(value) : 0;
    }

    /** An optional decimal property: {@code fallback} when unset or blank. */
    double decimal(final PropertyDescriptor property, final double fallback) {
        return text(property) == null ? fallback : decimal(property);
    }

    /** An optional decimal property: null when unset or blank. */
    Double optionalDecimal(final PropertyDescriptor property) {
        return text(property) == null ? null : decimal(property);
    }

    /** The seed property's value, or a fresh random seed when it is unset or evaluates to blank text. */
    long seed(final PropertyDescriptor property) {
        final Long value = optionalSeed(property);
        return value != null ? value : randomSeed();
    }

    /** The seed property's value, or null when it is unset or evaluates to blank text. */
    Long optionalSeed(final PropertyDescriptor property) {
        final String value = text(property);
        if (value == null) {
            return null;
        }
        return checked(property, value) ? Long.parseLong(value.trim()) : 0L;
    }

    /** A seed drawn for a FlowFile that names none. */
    static long randomSeed() {
        return ThreadLocalRandom.current().nextLong(RANDOM_SEED_BOUND);
    }

    /** An optional integer property: null when unset or blank. */
    Integer optionalInteger(final PropertyDescriptor property) {
        return text(property) == null ? null : integer(property);
    }

    /** A true/false property; false (and a recorded problem) when its value is neither. */
    boolean flag(final PropertyDescriptor property) {
        final String value = text(property);
        return checked(property, value) && BooleanRule.parse(value);
    }

    /** A comma-separated list of numbers; null when unset (or, with a problem recorded, invalid). */
    List<Double> numbers(final PropertyDescriptor property) {
        final String value = text(property);
        return value != null && checked(property, value) ? NumberListValidator.parseDoubles(value) : null;
    }

    /** A comma-separated list of block indices; empty when unset. */
    List<Integer> integers(final PropertyDescriptor property) {
        final String value = text(property);
        return value != null && checked(property, value) ? NumberListValidator.parseIntegers(value) : List.of();
    }

    /** Records a problem of a value the rules of a single property cannot see (an output format, a cross rule). */
    void problem(final PropertyDescriptor property, final String problem) {
        problems.add(property.getName() + ": " + problem);
    }

    /** Whether no problem was recorded so far. */
    boolean valid() {
        return problems.isEmpty();
    }

    /** Throws every recorded problem at once, joined by "; ". */
    void check() {
        if (!problems.isEmpty()) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, String.join("; ", problems));
        }
    }

    private boolean checked(final PropertyDescriptor property, final String value) {
        final String problem = problemOf(property, value);
        if (problem != null) {
            problem(property, problem);
        }
        return problem == null;
    }

    private static String problemOf(final PropertyDescriptor property, final String value) {
        for (final Validator validator : property.getValidators()) {
            if (validator instanceof NumberRule rule) {
                return rule.problem(value);
            }
            if (validator instanceof NumberListValidator list) {
                return list.problem(value);
            }
            if (validator instanceof BooleanRule rule) {
                return rule.problem(value);
            }
        }
        throw new IllegalStateException(property.getName() + " has no number or boolean rule");
    }
}
