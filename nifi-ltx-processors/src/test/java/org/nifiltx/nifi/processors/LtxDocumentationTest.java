package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every component the NAR registers has the additional details NiFi 2 shows next to its generated documentation. */
class LtxDocumentationTest {

    private static List<String> registered(final String service) throws IOException {
        final List<String> classes = new ArrayList<>();
        try (InputStream in = LtxDocumentationTest.class.getResourceAsStream("/META-INF/services/" + service)) {
            assertNotNull(in, service);
            for (final String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    classes.add(line.trim());
                }
            }
        }
        return classes;
    }

    @Test
    void everyRegisteredComponentHasAdditionalDetailsNamedAfterIt() throws IOException {
        final List<String> components = new ArrayList<>(registered("org.apache.nifi.processor.Processor"));
        components.addAll(registered("org.apache.nifi.controller.ControllerService"));
        assertEquals(4, components.size(), components.toString());
        for (final String component : components) {
            try (InputStream in = getClass().getResourceAsStream("/docs/" + component + "/additionalDetails.md")) {
                assertNotNull(in, component + " has no docs/" + component + "/additionalDetails.md");
                final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                final String simpleName = component.substring(component.lastIndexOf('.') + 1);
                assertTrue(text.startsWith("# " + simpleName + "\n"), component + " details start with its name");
            }
        }
    }
}
