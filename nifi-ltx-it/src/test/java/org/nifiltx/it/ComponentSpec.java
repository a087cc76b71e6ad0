package org.nifiltx.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.nifi.components.AllowableValue;
import org.apache.nifi.components.ConfigurableComponent;
import org.apache.nifi.components.PropertyDescriptor;
import org.apache.nifi.components.Validator;
import org.apache.nifi.controller.ControllerService;
import org.apache.nifi.processor.Processor;
import org.apache.nifi.processor.Relationship;
import org.apache.nifi.util.TestRunners;

/**
 * What a component type offers in the NiFi version the flows name: its bundle, property names, allowed literal values,
 * the service APIs its properties take, its relationships and the APIs a service implements. Read from the real class
 * where the test class path has it (NiFi 2.3.0's standard processors, our processors), else from the list transcribed
 * from the NiFi 2.3.0 sources (Kafka, the HTTP context map).
 */
record ComponentSpec(String bundle, Set<String> properties, Map<String, Set<String>> allowedValues,
        Map<String, String> serviceApis, Set<String> relationships, Set<String> implementedApis, ConfigurableComponent instance) {
    static final String NIFI_VERSION = "2.3.0";
    private static final String TRANSCRIBED = "/nifi-2.3.0-components.json";

    /** The spec of {@code type}, or null when neither the class path nor the transcribed list knows it. */
    static ComponentSpec of(final String type, final String ltxVersion) throws IOException {
        final JsonNode transcribed = transcribed().path("components").path(type);
        if (!transcribed.isMissingNode()) {
            return fromList(transcribed);
        }
        final Class<?> type0;
        try {
            type0 = Class.forName(type);
        } catch (final ClassNotFoundException e) {
            return null;
        }
        final String bundle = type.startsWith("org.nifiltx.") ? "org.nifiltx:nifi-ltx-nar:" + ltxVersion
                : type.startsWith("org.apache.nifi.processors.standard.") ? "org.apache.nifi:nifi-standard-nar:" + NIFI_VERSION : null;
        return fromClass(type0, bundle, ltxVersion);
    }

    /** Whether {@code name} is a property of the type: declared, or a dynamic property the component accepts. */
    boolean accepts(final String name) {
        if (properties.contains(name)) {
            return true;
        }
        if (instance == null) {
            return false;
        }
        // Unsupported dynamic properties come back with Validator.INVALID (AbstractConfigurableComponent).
        final PropertyDescriptor descriptor = instance.getPropertyDescriptor(name);
        return descriptor.isDynamic() && !descriptor.getValidators().contains(Validator.INVALID);
    }

    private static ComponentSpec fromClass(final Class<?> type, final String bundle, final String ltxVersion) {
        final ConfigurableComponent component;
        final Set<String> relationships = new TreeSet<>();
        final Set<String> apis = new TreeSet<>();
        try {
            if (Processor.class.isAssignableFrom(type)) {
                // The runner initializes the processor: some declare properties and relationships in init().
                final Processor processor = TestRunners.newTestRunner(type.asSubclass(Processor.class)).getProcessor();
                processor.getRelationships().stream().map(Relationship::getName).forEach(relationships::add);
                component = processor;
            } else {
                component = (ConfigurableComponent) type.getDeclaredConstructor().newInstance();
                for (final Class<?> api : type.getInterfaces()) {
                    if (ControllerService.class.isAssignableFrom(api) && api != ControllerService.class) {
                        apis.add(api.getName() + "@" + (api.getName().startsWith("org.nifiltx.")
                                ? "org.nifiltx:nifi-ltx-service-api-nar:" + ltxVersion : "?"));
                    }
                }
            }
        } catch (final ReflectiveOperationException e) {
            throw new AssertionError("cannot instantiate " + type.getName(), e);
        }
        final Set<String> properties = new TreeSet<>();
        final Map<String, Set<String>> allowed = new TreeMap<>();
        final Map<String, String> serviceApis = new TreeMap<>();
        for (final PropertyDescriptor descriptor : component.getPropertyDescriptors()) {
            properties.add(descriptor.getName());
            final List<AllowableValue> values = descriptor.getAllowableValues();
            if (values != null) {
                final Set<String> set = new TreeSet<>();
                values.forEach(value -> set.add(value.getValue()));
                allowed.put(descriptor.getName(), set);
            }
            if (descriptor.getControllerServiceDefinition() != null) {
                serviceApis.put(descriptor.getName(), descriptor.getControllerServiceDefinition().getName());
            }
        }
        return new ComponentSpec(bundle, properties, allowed, serviceApis, relationships, apis, component);
    }

    private static ComponentSpec fromList(final JsonNode entry) {
        final Set<String> properties = new TreeSet<>();
        entry.path("properties").forEach(p -> properties.add(p.asText()));
        final Set<String> relationships = new TreeSet<>();
        entry.path("relationships").forEach(r -> relationships.add(r.asText()));
        final Set<String> apis = new TreeSet<>();
        entry.path("apis").forEach(api -> apis.add(api.path("type").asText() + "@" + coordinates(api.path("bundle"))));
        return new ComponentSpec(coordinates(entry.path("bundle")), properties, Map.of(), Map.of(), relationships, apis, null);
    }

    static String coordinates(final JsonNode bundle) {
        return bundle.path("group").asText() + ":" + bundle.path("artifact").asText() + ":" + bundle.path("version").asText();
    }

    private static JsonNode transcribed() throws IOException {
        try (InputStream in = ComponentSpec.class.getResourceAsStream(TRANSCRIBED)) {
            return NiFiRest.JSON.readTree(in);
        }
    }
}
