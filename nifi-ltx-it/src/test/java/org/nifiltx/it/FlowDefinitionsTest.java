package org.nifiltx.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The flow definitions of flows/ fit the NiFi version they name (2.3.0) and our NARs: every component type exists in
 * the bundle named, every property is one the type has (or a dynamic property it accepts) with an allowed literal value,
 * every service reference points to a service of the right API in the flow, every relationship of every processor is
 * connected or auto-terminated and no other is named, every parameter referred to is defined and every defined one
 * used. The Kafka flow is checked only this way (no Kafka in the test); the others also run in ExampleFlowsIT.
 */
class FlowDefinitionsTest {
    private static final Path FLOWS = Path.of(System.getProperty("nifi.it.flows", "../flows"));
    private static final String LTX_VERSION = System.getProperty("nifi.ltx.version");
    private static final String STANDARD = "org.apache.nifi.processors.standard.";
    private static final String LTX = "org.nifiltx.nifi.processors.";

    static Stream<Path> flows() throws IOException {
        return Files.list(FLOWS).filter(file -> file.toString().endsWith(".json")).sorted();
    }

    @Test
    void theFourExampleFlowsArePresent() throws IOException {
        assertEquals(List.of("ltx-http.json", "ltx-image-folder.json", "ltx-json-folder.json", "ltx-kafka.json"),
                flows().map(file -> file.getFileName().toString()).toList());
    }

    @Test
    void whatShipsCarriesAReleaseVersion() {
        // the NARs' bundle version is what NiFi shows beside every LTX component and what the flows name
        assertTrue(LTX_VERSION.matches("\\d+\\.\\d+\\.\\d+"), "project version " + LTX_VERSION + " is not a release version");
    }

    @ParameterizedTest
    @MethodSource("flows")
    void everyComponentPropertyAndRelationshipExistsInTheNamedVersion(final Path file) throws IOException {
        final FlowDefinition flow = FlowDefinition.read(file);
        final List<String> problems = new ArrayList<>();
        assertTrue(flow.root().path("externalControllerServices").isEmpty(), "the flow brings its own services");
        for (final JsonNode component : flow.components()) {
            final String name = component.path("name").asText() + " (" + component.path("type").asText() + ")";
            final ComponentSpec spec = ComponentSpec.of(component.path("type").asText(), LTX_VERSION);
            if (spec == null) {
                problems.add(name + ": unknown type");
                continue;
            }
            if (spec.bundle() != null && !spec.bundle().equals(ComponentSpec.coordinates(component.path("bundle")))) {
                problems.add(name + ": bundle " + ComponentSpec.coordinates(component.path("bundle")) + ", expected " + spec.bundle());
            }
            component.path("properties").properties().forEach(property -> checkProperty(flow, spec, name, property.getKey(),
                    property.getValue().isNull() ? null : property.getValue().asText(), problems));
            if ("PROCESSOR".equals(component.path("componentType").asText())
                    && !spec.relationships().equals(flow.handledRelationships(component))) {
                problems.add(name + ": relationships handled " + flow.handledRelationships(component) + ", the type has "
                        + spec.relationships());
            }
            if ("CONTROLLER_SERVICE".equals(component.path("componentType").asText())) {
                final Set<String> apis = new TreeSet<>();
                component.path("controllerServiceApis").forEach(api -> apis.add(api.path("type").asText() + "@"
                        + ComponentSpec.coordinates(api.path("bundle"))));
                if (!spec.implementedApis().isEmpty() && !spec.implementedApis().equals(apis)) {
                    problems.add(name + ": service APIs " + apis + ", expected " + spec.implementedApis());
                }
            }
        }
        for (final JsonNode connection : flow.connections()) {
            for (final String end : List.of("source", "destination")) {
                if (flow.component(connection.path(end).path("id").asText()) == null
                        && !"FUNNEL".equals(connection.path(end).path("type").asText())) {
                    problems.add("connection " + connection.path("identifier").asText() + ": no " + end);
                }
            }
        }
        assertEquals(List.of(), problems, flow.file());
    }

    @ParameterizedTest
    @MethodSource("flows")
    void everyParameterReferredToIsDefinedAndEveryDefinedOneUsed(final Path file) throws IOException {
        final FlowDefinition flow = FlowDefinition.read(file);
        assertTrue(!flow.parameters().isEmpty(), "a parameter context for the paths");
        assertEquals(new TreeSet<>(flow.parameters().keySet()), flow.referencedParameters(), flow.file());
    }

    @Test
    void theJsonFolderFlowReadsRequestsAndReportsEveryFailure() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-json-folder.json"));
        assertEquals(List.of("ListFile", "FetchFile", "EvaluateJsonPath", "EncodePrompt", "GenerateLatents", "DecodeVideo",
                "PutFile"), chain(flow, "ListFile"));
        assertFailuresReported(flow, "AttributesToJSON");
        assertEquals(Set.of("Failed Directory", "Input Directory", "Model Path", "Output Directory", "Precision",
                "Processed Directory", "Text Encoder Path"), flow.parameters().keySet());
    }

    @Test
    void theImageFolderFlowAnimatesEachImage() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-image-folder.json"));
        assertEquals(List.of("ListFile", "FetchFile", "EncodePrompt", "GenerateLatents", "DecodeVideo", "PutFile"),
                chain(flow, "ListFile"));
        assertFailuresReported(flow, "AttributesToJSON");
        final JsonNode encode = byType(flow, LTX + "EncodePrompt");
        assertEquals("FLOWFILE_CONTENT", encode.path("properties").path("Image Source").asText());
    }

    @Test
    void theKafkaFlowPublishesTheVideoLocation() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-kafka.json"));
        assertEquals(List.of("ConsumeKafka", "EvaluateJsonPath", "EncodePrompt", "GenerateLatents", "DecodeVideo", "PutFile",
                "ReplaceText", "PublishKafka"), chain(flow, "ConsumeKafka"));
        assertFailuresReported(flow, "AttributesToJSON");
    }

    @Test
    void theHttpFlowAnswersWithTheVideo() throws IOException {
        final FlowDefinition flow = FlowDefinition.read(FLOWS.resolve("ltx-http.json"));
        assertEquals(List.of("HandleHttpRequest", "EvaluateJsonPath", "EncodePrompt", "GenerateLatents", "DecodeVideo",
                "HandleHttpResponse"), chain(flow, "HandleHttpRequest"));
        assertFailuresReported(flow, "AttributesToJSON");
    }

    /** The simple type names along the chain from {@code first} ({@link FlowDefinition#chain}). */
    private static List<String> chain(final FlowDefinition flow, final String first) {
        final List<String> types = new ArrayList<>(List.of(first));
        flow.chain(first).forEach(connection -> types.add(simple(flow.component(connection.path("destination").path("id")
                .asText()))));
        return types;
    }

    /** The failure relationship of each LTX processor leads to {@code reporter}. */
    private static void assertFailuresReported(final FlowDefinition flow, final String reporter) {
        for (final String type : List.of("EncodePrompt", "GenerateLatents", "DecodeVideo")) {
            final JsonNode processor = byType(flow, LTX + type);
            assertEquals(reporter, flow.next(processor, "failure").map(FlowDefinitionsTest::simple).orElse("nothing"), type);
            assertEquals(type, flow.next(processor, "retry").map(FlowDefinitionsTest::simple).orElse("nothing"), type + " retry");
        }
    }

    private static JsonNode byType(final FlowDefinition flow, final String type) {
        return flow.processors().stream().filter(p -> type.equals(p.path("type").asText())).findFirst().orElseThrow();
    }

    static String simple(final JsonNode component) {
        final String type = component.path("type").asText();
        return type.substring(type.lastIndexOf('.') + 1);
    }

    private static void checkProperty(final FlowDefinition flow, final ComponentSpec spec, final String component,
            final String property, final String value, final List<String> problems) {
        if (!spec.accepts(property)) {
            problems.add(component + ": no property '" + property + "'");
            return;
        }
        final Set<String> allowed = spec.allowedValues().get(property);
        if (allowed != null && FlowDefinition.isLiteral(value) && !allowed.contains(value)) {
            problems.add(component + ": '" + property + "' = '" + value + "' is none of " + allowed);
        }
        final String api = spec.serviceApis().get(property);
        if (api != null && value != null) {
            final JsonNode service = flow.component(value);
            final boolean implemented = service != null && Stream.of(service.path("controllerServiceApis"))
                    .flatMap(apis -> apis.findValuesAsText("type").stream()).anyMatch(api::equals);
            if (!implemented) {
                problems.add(component + ": '" + property + "' refers to " + value + ", not a " + api + " of the flow");
            }
        }
    }
}
