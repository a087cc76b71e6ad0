package org.nifiltx.nifi.service;

import java.util.List;
import java.util.function.Predicate;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.ValidationContext;
import org.apache.nifi.components.ValidationResult;
import org.apache.nifi.components.Validator;
import org.apache.nifi.controller.ConfigurationContext;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * A service property that may differ between the nodes of a cluster (which accelerator, which backend): its value may
 * be Expression Language over the node's environment variables and JVM system properties, e.g. {@code ${LTX_DEVICE}},
 * so one flow serves nodes with different GPUs. The value is checked after evaluation on this node, so a node whose
 * environment gives a wrong value shows the service invalid there, naming the expression and what it gave.
 */
final class NodeSetting implements Validator {
    static final NodeSetting BACKEND = oneOf(List.of(BackendChoice.CPU.getValue(), BackendChoice.CUDA.getValue()));
    static final NodeSetting PRECISION = oneOf(List.of(PrecisionChoice.AUTO.getValue(), PrecisionChoice.FP32.getValue(),
            PrecisionChoice.INT8.getValue(), PrecisionChoice.BF16.getValue()));
    static final NodeSetting DEVICE_INDEX = new NodeSetting(value -> value.matches("[0-9]{1,9}"), "is not a device ordinal (0, 1, ...)");

    private final Predicate<String> accepts;
    private final String refusal;

    private NodeSetting(final Predicate<String> accepts, final String refusal) {
        this.accepts = accepts;
        this.refusal = refusal;
    }

    private static NodeSetting oneOf(final List<String> values) {
        return new NodeSetting(values::contains, "is none of " + String.join(", ", values));
    }

    @Override
    public ValidationResult validate(final String subject, final String input, final ValidationContext context) {
        final String value = input != null && context.isExpressionLanguagePresent(input)
                ? context.newPropertyValue(input).evaluateAttributeExpressions().getValue() : input;
        final String problem = problem(input, value);
        return new ValidationResult.Builder().subject(subject).input(input).valid(problem == null)
                .explanation(problem == null ? "valid on this node" : problem).build();
    }

    /** The property's value on this node, evaluated; an INVALID_ARGUMENT naming the property when it is not acceptable. */
    String value(final ConfigurationContext context, final PropertyDescriptor property) {
        // What was configured, for the message: the expression, not yet evaluated.
        final String configured = context.getProperties().get(property);
        final String input = configured == null ? property.getDefaultValue() : configured;
        final String value = context.getProperty(property).evaluateAttributeExpressions().getValue();
        final String problem = problem(input, value);
        if (problem != null) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, property.getDisplayName() + " " + problem);
        }
        return value;
    }

    /** Null when {@code value} (what {@code input} evaluated to here) is acceptable, else why not. */
    String problem(final String input, final String value) {
        if (value != null && accepts.test(value.trim())) {
            return null;
        }
        if (input != null && !input.equals(value)) {
            if (value == null || value.isBlank()) {
                return "'" + input + "' is empty on this node (is the variable set in its environment or system properties?)";
            }
            return "'" + input + "' gives '" + value + "' on this node, which " + refusal;
        }
        return "'" + value + "' " + refusal;
    }
}
