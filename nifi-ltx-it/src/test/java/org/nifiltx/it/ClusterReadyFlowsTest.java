package org.nifiltx.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The example flows run unchanged on a NiFi cluster: the source runs where it must (a folder listed by the primary node
 * only, with cluster-wide listing state; Kafka and HTTP on every node), the requests are spread over the nodes by a
 * round-robin connection in front of the generation chain (except HTTP, whose answer must come from the node that
 * took the request), the chain's queues hold one waiting generation besides the running one so back pressure reaches
 * the spreading connection, and each node's model service takes its backend and GPU from the node's environment.
 * ClusterIT runs the JSON folder flow on two nodes.
 */
class ClusterReadyFlowsTest {
    private static final Path FLOWS = Path.of(System.getProperty("nifi.it.flows", "../flows"));
    private static final String SPREAD = "ROUND_ROBIN 4";
    private static final String CHAIN = "DO_NOT_LOAD_BALANCE 2";
    private static final String LOCAL = "DO_NOT_LOAD_BALANCE 10000";

    static List<Path> flows() throws IOException {
        return FlowDefinitionsTest.flows().toList();
    }

    @ParameterizedTest
    @MethodSource("flows")
    void eachNodesModelServiceTakesItsBackendAndGpuFromTheNodesEnvironment(final Path file) throws IOException {
        final FlowDefinition flow = FlowDefinition.read(file);
        final JsonNode service = flow.components().stream()
                .filter(c -> c.path("type").asText().endsWith(".StandardLtxVideoModelService")).findFirst().orElseThrow();
        assertEquals("${LTX_BACKEND:replaceNull('cpu')}", service.path("properties").path("Backend").asText());
        assertEquals("${LTX_DEVICE:replaceNull(0)}", service.path("properties").path("Device Index").asText());
    }

    @Test
    void theFolderFlowsListOnThePrimaryNodeOnlyAndSpreadTheRequests() throws IOException {
        for (final String name : List.of("ltx-json-folder.json", "ltx-image-folder.json")) {
            final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve(name));
            assertEquals(Map.of("ListFile", "PRIMARY"), notOnAllNodes(flow), name);
            final JsonNode list = flow.processors().stream().filter(p -> "ListFile".equals(FlowDefinitionsTest.simple(p)))
                    .findFirst().orElseThrow();
            // the listing state is kept cluster-wide, so a new primary node does not list the folder again
            assertEquals("Remote", list.path("properties").path("Input Directory Location").asText(), name);
        }
        assertEquals(List.of(SPREAD, CHAIN, CHAIN, CHAIN, CHAIN, CHAIN),
                links(FlowDefinition.read(FLOWS.resolve("ltx-json-folder.json")), "ListFile"));
        assertEquals(List.of(SPREAD, CHAIN, CHAIN, CHAIN, CHAIN),
                links(FlowDefinition.read(FLOWS.resolve("ltx-image-folder.json")), "ListFile"));
    }

    @Test
    void theKafkaFlowConsumesOnEveryNodeAndSpreadsWhatItConsumed() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-kafka.json"));
        assertEquals(Map.of(), notOnAllNodes(flow));
        assertEquals(List.of(SPREAD, CHAIN, CHAIN, CHAIN, CHAIN, LOCAL, LOCAL), links(flow, "ConsumeKafka"));
    }

    @Test
    void theHttpFlowAnswersOnTheNodeThatTookTheRequest() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-http.json"));
        assertEquals(Map.of(), notOnAllNodes(flow));
        assertEquals(List.of(CHAIN, CHAIN, CHAIN, CHAIN, LOCAL), links(flow, "HandleHttpRequest"));
        for (final JsonNode connection : flow.connections()) {
            assertEquals("DO_NOT_LOAD_BALANCE", connection.path("loadBalanceStrategy").asText(), connection.toString());
        }
    }

    /** "ROUND_ROBIN 4" for each connection along the chain: its load balance strategy and back pressure object threshold. */
    private static List<String> links(final FlowDefinition flow, final String first) {
        final List<String> links = new ArrayList<>();
        for (final JsonNode connection : flow.chain(first)) {
            links.add(connection.path("loadBalanceStrategy").asText() + " " + connection.path("backPressureObjectThreshold").asLong());
        }
        return links;
    }

    /** The processors that do not run on every node, by simple type, with where they run. */
    private static Map<String, String> notOnAllNodes(final FlowDefinition flow) {
        final Map<String, String> found = new TreeMap<>();
        for (final JsonNode processor : flow.processors()) {
            if (!"ALL".equals(processor.path("executionNode").asText())) {
                found.put(FlowDefinitionsTest.simple(processor), processor.path("executionNode").asText());
            }
        }
        return found;
    }
}
