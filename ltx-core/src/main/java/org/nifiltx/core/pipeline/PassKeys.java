package org.nifiltx.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-pass keys of a pipeline config: a pass's own mapping wins over the top level, as the official
 * {@code kwargs.update(**first_pass)} does. Messages name the key as the user wrote it ({@code first_pass.stg_scale}).
 */
final class PassKeys {
    private final JsonNode top;
    private final JsonNode own;
    private final String prefix;

    PassKeys(final JsonNode top, final JsonNode own, final String prefix) {
        this.top = top;
        this.own = own;
        this.prefix = prefix;
    }

    private JsonNode get(final String key) {
        final JsonNode mine = own == null ? null : own.get(key);
        if (mine != null && !mine.isNull()) {
            return mine;
        }
        final JsonNode shared = top.get(key);
        return shared == null || shared.isNull() ? null : shared;
    }

    private String name(final String key) {
        return (own != null && own.has(key) ? prefix : "") + key;
    }

    /** A number or a list of numbers; null (absent) gives {@code fallback} as a one-value list, or null without one. */
    List<Double> numbers(final String key, final Double fallback) {
        final JsonNode node = get(key);
        if (node == null) {
            return fallback == null ? null : List.of(fallback);
        }
        if (node.isNumber()) {
            return List.of(node.asDouble());
        }
        if (!node.isArray() || node.isEmpty()) {
            throw PipelineConfig.invalid(name(key) + " must be a number or a non-empty list of numbers, got " + node);
        }
        final List<Double> values = new ArrayList<>();
        for (final JsonNode item : node) {
            if (!item.isNumber()) {
                throw PipelineConfig.invalid(name(key) + " must be a number or a non-empty list of numbers, got " + node);
            }
            values.add(item.asDouble());
        }
        return List.copyOf(values);
    }

    double number(final String key, final double fallback) {
        final JsonNode node = get(key);
        if (node == null) {
            return fallback;
        }
        if (!node.isNumber()) {
            throw PipelineConfig.invalid(name(key) + " must be a number, got " + node);
        }
        return node.asDouble();
    }

    int integer(final String key, final int fallback) {
        final JsonNode node = get(key);
        if (node == null) {
            return fallback;
        }
        if (!node.isIntegralNumber()) {
            throw PipelineConfig.invalid(name(key) + " must be an integer, got " + node);
        }
        return node.asInt();
    }

    boolean bool(final String key) {
        final JsonNode node = get(key);
        if (node == null) {
            return false;
        }
        if (!node.isBoolean()) {
            throw PipelineConfig.invalid(name(key) + " must be true or false, got " + node);
        }
        return node.asBoolean();
    }

    /**
     * {@code skip_block_list}: a flat list applies to every step, a list of lists gives one list per guidance interval
     * (the official normalisation); absent means no block is skipped.
     */
    List<List<Integer>> blocks() {
        final String key = "skip_block_list";
        final JsonNode node = get(key);
        if (node == null) {
            return List.of(List.of());
        }
        if (!node.isArray()) {
            throw PipelineConfig.invalid(name(key) + " must be a list of block indices or a list of such lists, got " + node);
        }
        if (node.isEmpty() || !node.get(0).isArray()) {
            return List.of(integers(node, key));
        }
        final List<List<Integer>> intervals = new ArrayList<>();
        for (final JsonNode item : node) {
            if (!item.isArray()) {
                throw PipelineConfig.invalid(name(key) + " mixes lists and numbers: " + node);
            }
            intervals.add(integers(item, key));
        }
        return List.copyOf(intervals);
    }

    private List<Integer> integers(final JsonNode list, final String key) {
        final List<Integer> values = new ArrayList<>();
        for (final JsonNode item : list) {
            if (!item.isIntegralNumber()) {
                throw PipelineConfig.invalid(name(key) + " must hold block indices (integers), got " + item);
            }
            values.add(item.asInt());
        }
        return List.copyOf(values);
    }
}
