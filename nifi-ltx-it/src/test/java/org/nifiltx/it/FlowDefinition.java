package org.nifiltx.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A flow definition file as the NiFi UI downloads it (a versioned flow snapshot): its components, connections and
 * parameter context, read without NiFi.
 */
record FlowDefinition(String file, JsonNode root) {
    private static final Pattern PARAMETER = Pattern.compile("#\\{([^}]+)}");

    static FlowDefinition read(final Path file) throws IOException {
        return new FlowDefinition(file.getFileName().toString(), NiFiRest.JSON.readTree(file.toFile()));
    }

    JsonNode group() {
        return root.path("flowContents");
    }

    /** Processors and controller services of the group and its child groups. */
    List<JsonNode> components() {
        final List<JsonNode> list = new ArrayList<>();
        collect(group(), list);
        return list;
    }

    List<JsonNode> processors() {
        return components().stream().filter(c -> "PROCESSOR".equals(c.path("componentType").asText())).toList();
    }

    List<JsonNode> connections() {
        final List<JsonNode> list = new ArrayList<>();
        group().path("connections").forEach(list::add);
        return list;
    }

    JsonNode component(final String identifier) {
        return components().stream().filter(c -> identifier.equals(c.path("identifier").asText())).findFirst().orElse(null);
    }

    /** The relationships of a processor that lead somewhere: connected or auto-terminated. */
    Set<String> handledRelationships(final JsonNode processor) {
        final Set<String> handled = new TreeSet<>();
        processor.path("autoTerminatedRelationships").forEach(r -> handled.add(r.asText()));
        for (final JsonNode connection : connections()) {
            if (processor.path("identifier").asText().equals(connection.path("source").path("id").asText())) {
                connection.path("selectedRelationships").forEach(r -> handled.add(r.asText()));
            }
        }
        return handled;
    }

    /** Where a processor's relationship leads: the destination processor, if any. */
    Optional<JsonNode> next(final JsonNode processor, final String relationship) {
        return connection(processor, relationship).map(connection -> component(connection.path("destination").path("id").asText()));
    }

    /** The connection a processor's relationship goes into, if any. */
    Optional<JsonNode> connection(final JsonNode processor, final String relationship) {
        for (final JsonNode connection : connections()) {
            if (processor.path("identifier").asText().equals(connection.path("source").path("id").asText())) {
                for (final JsonNode selected : connection.path("selectedRelationships")) {
                    if (relationship.equals(selected.asText())) {
                        return Optional.of(connection);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The connections along the main chain: from the processor whose type ends in {@code .first}, each processor's
     * success (or, for EvaluateJsonPath, matched) connection in turn.
     */
    List<JsonNode> chain(final String first) {
        final List<JsonNode> chain = new ArrayList<>();
        JsonNode processor = processors().stream().filter(p -> p.path("type").asText().endsWith("." + first)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + first + " in " + file));
        while (processor != null && chain.size() < 20) {
            final JsonNode from = processor;
            final Optional<JsonNode> connection = connection(from, "success").or(() -> connection(from, "matched"));
            processor = null;
            if (connection.isPresent()) {
                chain.add(connection.get());
                processor = component(connection.get().path("destination").path("id").asText());
            }
        }
        return chain;
    }

    /** The parameters of the group's context, name to value (null when unset). */
    Map<String, String> parameters() {
        final Map<String, String> parameters = new TreeMap<>();
        final JsonNode context = root.path("parameterContexts").path(group().path("parameterContextName").asText());
        for (final JsonNode parameter : context.path("parameters")) {
            parameters.put(parameter.path("name").asText(), parameter.path("value").isNull() ? null : parameter.path("value").asText());
        }
        return parameters;
    }

    /** Every parameter a property of any component refers to with #{...}. */
    Set<String> referencedParameters() {
        final Set<String> names = new TreeSet<>();
        for (final JsonNode component : components()) {
            component.path("properties").forEach(value -> {
                final Matcher matcher = PARAMETER.matcher(value.asText(""));
                while (matcher.find()) {
                    names.add(matcher.group(1));
                }
            });
        }
        return names;
    }

    static boolean isLiteral(final String value) {
        return value != null && !value.contains("#{") && !value.contains("${");
    }

    private static void collect(final JsonNode group, final List<JsonNode> list) {
        group.path("processors").forEach(list::add);
        group.path("controllerServices").forEach(list::add);
        group.path("processGroups").forEach(child -> collect(child, list));
    }
}
