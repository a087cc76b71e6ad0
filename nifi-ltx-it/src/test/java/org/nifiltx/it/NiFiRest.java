package org.nifiltx.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** The NiFi REST API (/nifi-api) of the test server, JSON in and out; every call has a timeout. */
final class NiFiRest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    NiFiRest(final int port) {
        this.base = "http://127.0.0.1:" + port + "/nifi-api";
    }

    JsonNode get(final String path) {
        return send(request(path).GET());
    }

    JsonNode post(final String path, final Object body) {
        return send(request(path).header("Content-Type", "application/json").POST(json(body)));
    }

    JsonNode put(final String path, final Object body) {
        return send(request(path).header("Content-Type", "application/json").PUT(json(body)));
    }

    JsonNode delete(final String path) {
        return send(request(path).DELETE());
    }

    /** Whether the API answers at all (the server is up). */
    boolean answers() {
        try {
            return client.send(request("/flow/about").GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (final IOException e) {
            return false;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Uploads a flow definition file as a new process group under {@code parentGroup}, as the UI's Upload does. */
    JsonNode upload(final String parentGroup, final String groupName, final Path flow) {
        final String boundary = "nifi-ltx-" + UUID.randomUUID();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (final String[] field : new String[][] {{"groupName", groupName}, {"positionX", "0"}, {"positionY", "0"},
                {"clientId", "nifi-ltx-it"}, {"disconnectedNodeAcknowledged", "false"}}) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field[0] + "\"\r\n\r\n" + field[1]
                        + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + flow.getFileName()
                    + "\"\r\nContent-Type: application/json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.write(Files.readAllBytes(flow));
            body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new AssertionError("cannot read " + flow, e);
        }
        return send(request("/process-groups/" + parentGroup + "/process-groups/upload")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    /** A JSON object to build request bodies with. */
    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** How long a request refused because a cluster node is reconnecting is retried. */
    private static final java.time.Duration RECONNECT_WAIT = java.time.Duration.ofSeconds(90);

    private HttpRequest.Builder request(final String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT);
    }

    private static HttpRequest.BodyPublisher json(final Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (final IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private JsonNode send(final HttpRequest.Builder builder) {
        final HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            // A cluster refuses changes (409) while a node reconnects, e.g. after heartbeats missed on a busy machine;
            // the request was not applied, so it is safe to send again once the node is back.
            final long giveUp = System.nanoTime() + RECONNECT_WAIT.toNanos();
            while (response.statusCode() == 409 && response.body().contains("is currently connecting")
                    && System.nanoTime() < giveUp) {
                Thread.sleep(1000);
                response = client.send(request, HttpResponse.BodyHandlers.ofString());
            }
            if (response.statusCode() / 100 != 2) {
                throw new AssertionError(request.method() + " " + request.uri() + " -> HTTP " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (final IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + request.method() + " " + request.uri(), e);
        }
    }
}
