package org.nifiltx.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A flow definition from flows/ uploaded as a process group, and what a user does with it on the canvas: set its
 * parameters, enable its services, start and stop it. Every wait is bounded.
 */
final class ImportedFlow {
    private static final Duration STATE_LIMIT = Duration.ofMinutes(2);

    private final NiFiServer server;
    private final NiFiRest rest;
    private final String groupId;
    private final String contextId;

    private ImportedFlow(final NiFiServer server, final String groupId, final String contextId) {
        this.server = server;
        this.rest = server.rest();
        this.groupId = groupId;
        this.contextId = contextId;
    }

    /** Uploads {@code flow} into the root group, as the UI's "Upload flow definition". */
    static ImportedFlow upload(final NiFiServer server, final Path flow, final String groupName) {
        final NiFiRest rest = server.rest();
        final String root = rest.get("/flow/process-groups/root").path("processGroupFlow").path("id").asText();
        final JsonNode group = rest.upload(root, groupName, flow);
        final String context = group.path("component").path("parameterContext").path("id").asText(null);
        if (context == null) {
            throw new AssertionError(flow + " came in without a parameter context: " + group);
        }
        return new ImportedFlow(server, group.path("id").asText(), context);
    }

    /** Sets parameters of the flow's context through an update request, as the UI's parameter dialog does. */
    void setParameters(final Map<String, String> values) {
        final JsonNode context = rest.get("/parameter-contexts/" + contextId);
        final ObjectNode body = NiFiRest.object();
        body.putObject("revision").put("version", context.path("revision").path("version").asLong());
        body.put("id", contextId);
        final ObjectNode component = body.putObject("component");
        component.put("id", contextId);
        final ArrayNode parameters = component.putArray("parameters");
        values.forEach((name, value) -> parameters.addObject().putObject("parameter").put("name", name).put("value", value)
                .put("sensitive", false));
        final JsonNode request = rest.post("/parameter-contexts/" + contextId + "/update-requests", body).path("request");
        final String path = "/parameter-contexts/" + contextId + "/update-requests/" + request.path("requestId").asText();
        try {
            Poll.until(STATE_LIMIT, "the parameter update of " + contextId, server::checkAlive, () -> {
                final JsonNode state = rest.get(path).path("request");
                if (!state.path("failureReason").isMissingNode() && !state.path("failureReason").isNull()) {
                    throw new AssertionError("parameter update failed: " + state.path("failureReason").asText());
                }
                return state.path("complete").asBoolean();
            });
        } finally {
            rest.delete(path);
        }
    }

    /** Enables (or disables) every controller service of the group and waits until they all are. */
    void setServices(final boolean enabled) {
        final String state = enabled ? "ENABLED" : "DISABLED";
        final ObjectNode body = NiFiRest.object().put("id", groupId).put("state", state);
        rest.put("/flow/process-groups/" + groupId + "/controller-services", body);
        Poll.until(STATE_LIMIT, "the services of " + groupId + " to be " + state, server::checkAlive, () -> {
            for (final JsonNode service : rest.get("/flow/process-groups/" + groupId + "/controller-services")
                    .path("controllerServices")) {
                final JsonNode component = service.path("component");
                if (enabled && "INVALID".equals(component.path("validationStatus").asText())) {
                    throw new AssertionError(component.path("name").asText() + " is invalid: " + component.path("validationErrors"));
                }
                if (!state.equals(component.path("state").asText())) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Starts every processor of the group, after checking that each one is valid (naming the problems if not). */
    void start() {
        Poll.until(STATE_LIMIT, "the processors of " + groupId + " to validate", server::checkAlive,
                () -> invalidProcessors().stream().noneMatch(problem -> problem.contains("VALIDATING")));
        final List<String> invalid = invalidProcessors();
        if (!invalid.isEmpty()) {
            throw new AssertionError("invalid processors: " + invalid);
        }
        rest.put("/flow/process-groups/" + groupId, NiFiRest.object().put("id", groupId).put("state", "RUNNING"));
    }

    /** Stops every processor of the group and waits until none has a task still running. */
    void stop() {
        rest.put("/flow/process-groups/" + groupId, NiFiRest.object().put("id", groupId).put("state", "STOPPED"));
        Poll.until(STATE_LIMIT, "the tasks of " + groupId + " to end", server::checkAlive, () -> {
            for (final JsonNode processor : processors()) {
                final JsonNode status = processor.path("status");
                if (!"Stopped".equals(status.path("runStatus").asText())
                        || status.path("aggregateSnapshot").path("activeThreadCount").asInt() != 0) {
                    return false;
                }
            }
            return true;
        });
    }

    /** FlowFiles waiting in the group's queues. */
    int queued() {
        return rest.get("/flow/process-groups/" + groupId + "/status").path("processGroupStatus").path("aggregateSnapshot")
                .path("flowFilesQueued").asInt();
    }

    /** FlowFiles waiting in the connections into the named processor. */
    int queuedInto(final String processorName) {
        final String id = processorId(processorName);
        int total = 0;
        for (final JsonNode connection : rest.get("/process-groups/" + groupId + "/connections").path("connections")) {
            if (id.equals(connection.path("destinationId").asText())) {
                total += connection.path("status").path("aggregateSnapshot").path("flowFilesQueued").asInt();
            }
        }
        return total;
    }

    /** Sets a processor's concurrent tasks (the group must be stopped). */
    void setConcurrentTasks(final String processorName, final int tasks) {
        final String id = processorId(processorName);
        final JsonNode processor = rest.get("/processors/" + id);
        final ObjectNode body = NiFiRest.object();
        body.putObject("revision").put("version", processor.path("revision").path("version").asLong());
        final ObjectNode component = body.putObject("component").put("id", id);
        component.putObject("config").put("concurrentlySchedulableTaskCount", tasks);
        rest.put("/processors/" + id, body);
    }

    /** Sets one property of a processor (the group must be stopped). */
    void setProperty(final String processorName, final String property, final String value) {
        final String id = processorId(processorName);
        final JsonNode processor = rest.get("/processors/" + id);
        final ObjectNode body = NiFiRest.object();
        body.putObject("revision").put("version", processor.path("revision").path("version").asLong());
        final ObjectNode component = body.putObject("component").put("id", id);
        component.putObject("config").putObject("properties").put(property, value);
        rest.put("/processors/" + id, body);
    }

    /**
     * Starts or stops one processor. In a cluster with a disconnected node this is what the operator acknowledges in
     * the UI: the change applies to the connected nodes, and the disconnected one takes it when it rejoins.
     */
    void setRunning(final String processorName, final boolean running) {
        final String id = processorId(processorName);
        final JsonNode processor = rest.get("/processors/" + id);
        final ObjectNode body = NiFiRest.object().put("state", running ? "RUNNING" : "STOPPED")
                .put("disconnectedNodeAcknowledged", true);
        body.putObject("revision").put("version", processor.path("revision").path("version").asLong());
        rest.put("/processors/" + id + "/run-status", body);
    }

    /** The group's status on each node of a cluster ("127.0.0.1:port" to its snapshot: flowFilesQueued, ...). */
    Map<String, JsonNode> groupStatusByNode() {
        return byNode(rest.get("/flow/process-groups/" + groupId + "/status?nodewise=true").path("processGroupStatus"));
    }

    /** A processor's status on each node of a cluster (flowFilesOut, taskCount, tasksDurationNanos, ... of 5 minutes). */
    Map<String, JsonNode> processorStatusByNode(final String processorName) {
        return byNode(rest.get("/flow/processors/" + processorId(processorName) + "/status?nodewise=true")
                .path("processorStatus"));
    }

    private static Map<String, JsonNode> byNode(final JsonNode status) {
        final Map<String, JsonNode> byNode = new TreeMap<>();
        for (final JsonNode node : status.path("nodeSnapshots")) {
            byNode.put(node.path("address").asText() + ":" + node.path("apiPort").asInt(), node.path("statusSnapshot"));
        }
        return byNode;
    }

    String groupId() {
        return groupId;
    }

    private List<JsonNode> processors() {
        final List<JsonNode> list = new ArrayList<>();
        rest.get("/process-groups/" + groupId + "/processors").path("processors").forEach(list::add);
        return list;
    }

    private String processorId(final String name) {
        return processors().stream().filter(p -> name.equals(p.path("component").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no processor named " + name + " in " + groupId))
                .path("id").asText();
    }

    private List<String> invalidProcessors() {
        final List<String> problems = new ArrayList<>();
        for (final JsonNode processor : processors()) {
            final JsonNode component = processor.path("component");
            final String status = component.path("validationStatus").asText();
            if (!"VALID".equals(status)) {
                problems.add(component.path("name").asText() + " " + status + " " + component.path("validationErrors"));
            }
        }
        return problems;
    }
}
