package org.nifiltx.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.video.DecodedVideo;
import org.nifiltx.core.video.VideoReader;

/**
 * The example flows of flows/ in a real NiFi 2.3.0 server with the tiny fixture model: imported over the REST API like
 * the UI's "Upload flow definition", parameters set to this test's folders, run with requests of several sizes, an
 * invalid one, a stop in the middle of a batch, a service disabled and enabled again, and two concurrent generations.
 * Every input must end up as an MP4 of the requested size in out/ or as a failure report in failed/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleFlowsIT {
    private static final Duration RUN_LIMIT = Duration.ofMinutes(5);
    private static final String BAD_FRAMES_ERROR = "Num Frames: 10 is not 8N+1";
    private static final String BAD_IMAGE_ERROR = "image <FlowFile content> is not in a format ImageIO can read (PNG, JPEG, GIF, BMP)";

    private static NiFiServer server;
    private static Path runDir;
    private static Path flows;

    @BeforeAll
    static void startServer() throws IOException {
        final Path itDir = Path.of(System.getProperty("nifi.it.dir"));
        flows = Path.of(System.getProperty("nifi.it.flows"));
        runDir = itDir.resolve("run");
        NiFiServer.deleteRecursively(runDir);
        server = NiFiServer.start(itDir);
        server.awaitExtensions();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void jsonRequestsFromAFolderBecomeVideosOrFailureReports() throws IOException {
        final Folders folders = Folders.create(runDir.resolve("json"), server::checkAlive);
        final ImportedFlow flow = ImportedFlow.upload(server, flows.resolve("ltx-json-folder.json"), "JSON requests");
        flow.setParameters(folders.parameters());
        flow.setConcurrentTasks("GenerateLatents", 2);
        flow.setServices(true);
        flow.start();

        // Two sizes, a seed and none, timesteps as a list and as text; and a frame count the model cannot make.
        folders.request("fox-9x64x96.json", """
                {"prompt": "a red fox trots through fresh snow", "num_frames": 9, "height": 64, "width": 96, "seed": 42,
                 "timesteps": [1.0, 0.5]}""");
        folders.request("waves-17x64x64.json", """
                {"prompt": "waves roll onto a beach", "num_frames": 17, "height": 64, "width": 64, "timesteps": "1.0, 0.6"}""");
        folders.request("bad-frames.json", """
                {"prompt": "too many frames", "num_frames": 10, "height": 64, "width": 64, "timesteps": [1.0]}""");
        // The full size of the recommended model, in a NiFi with its default memory (1 GB heap, as much direct memory):
        // the decoded video (571 MB in float32, 143 MB of frames) lives in direct memory once, the content is streamed.
        folders.request("snow-121x512x768.json", """
                {"prompt": "snow falls on a quiet street", "num_frames": 121, "height": 512, "width": 768, "timesteps": [1.0]}""");
        folders.awaitResults(3, 1);
        folders.assertVideo("snow-121x512x768.mp4", 121, 512, 768);
        folders.assertVideo("fox-9x64x96.mp4", 9, 64, 96);
        folders.assertVideo("waves-17x64x64.mp4", 17, 64, 64);
        final JsonNode report = folders.failureReport("bad-frames.json");
        assertEquals(BAD_FRAMES_ERROR, report.path("ltx.error").asText());
        assertEquals("too many frames", report.path("ltx.prompt").asText());
        assertEquals("10", report.path("request.num_frames").asText());

        // A batch queued along the chain, the flow stopped right after GenerateLatents starts on it, the
        // model service disabled and enabled again: every queued request still completes once the flow runs again.
        flow.setRunning("GenerateLatents", false);
        for (int i = 1; i <= 4; i++) {
            folders.request("batch-" + i + ".json", """
                    {"prompt": "a paper boat drifts down a stream", "num_frames": 9, "height": 64, "width": 96,
                     "seed": %d, "timesteps": [1.0, 0.75, 0.5, 0.25]}""".formatted(i));
        }
        // The queue into GenerateLatents holds 2 (one generation running, one waiting): back pressure keeps the other
        // two of the batch further up the chain.
        Poll.until(RUN_LIMIT, "the batch to queue in front of GenerateLatents", server::checkAlive,
                () -> flow.queued() == 4 && flow.queuedInto("GenerateLatents") == 2);
        flow.setRunning("GenerateLatents", true);
        flow.stop();
        final int queuedAtStop = flow.queued();
        assertTrue(queuedAtStop >= 1, "the stop came after the whole batch was done: nothing was queued");
        flow.setServices(false);
        flow.setServices(true);
        flow.start();
        folders.awaitResults(7, 1);
        for (int i = 1; i <= 4; i++) {
            folders.assertVideo("batch-" + i + ".mp4", 9, 64, 96);
        }
        folders.assertEveryRequestAccountedFor();
        flow.stop();
        assertEquals(0, flow.queued());
        flow.setServices(false);
        System.out.println("[ExampleFlowsIT] JSON flow: 8 requests, " + queuedAtStop + " queued at the stop");
    }

    @Test
    @Order(2)
    void imagesFromAFolderBecomeVideosStartingFromThem() throws IOException {
        final Folders folders = Folders.create(runDir.resolve("images"), server::checkAlive);
        final ImportedFlow flow = ImportedFlow.upload(server, flows.resolve("ltx-image-folder.json"), "Image to video");
        final Map<String, String> parameters = new LinkedHashMap<>(folders.parameters());
        parameters.put("Prompt", "the fox looks up and walks away");
        parameters.put("Num Frames", "9");
        parameters.put("Height", "64");
        parameters.put("Width", "96");
        parameters.put("Timesteps", "1.0, 0.5");
        flow.setParameters(parameters);
        flow.setServices(true);
        flow.start();

        folders.image("exact.png", 96, 64);
        folders.image("wide.png", 200, 90);
        folders.request("broken.png", "not an image");
        folders.awaitResults(2, 1);
        folders.assertVideo("exact.mp4", 9, 64, 96);
        folders.assertVideo("wide.mp4", 9, 64, 96);
        assertEquals(BAD_IMAGE_ERROR, folders.failureReport("broken.png").path("ltx.error").asText());
        folders.assertEveryRequestAccountedFor();
        flow.stop();
        flow.setServices(false);
    }

    @Test
    @Order(3)
    void theServerReportedOnlyTheExpectedProblems() throws IOException {
        final List<String> unexpected = new ArrayList<>();
        for (final JsonNode entity : server.rest().get("/flow/bulletin-board").path("bulletinBoard").path("bulletins")) {
            final JsonNode bulletin = entity.path("bulletin");
            final String message = bulletin.path("message").asText();
            final boolean expected = "WARNING".equals(bulletin.path("level").asText())
                    && (message.contains(BAD_FRAMES_ERROR) || message.contains(BAD_IMAGE_ERROR));
            if (!expected) {
                unexpected.add(bulletin.path("level").asText() + " " + bulletin.path("sourceName").asText() + ": " + message);
            }
        }
        assertEquals(List.of(), unexpected, "bulletins");
        final List<String> logProblems;
        try (Stream<String> lines = Files.lines(server.appLog())) {
            logProblems = lines.filter(line -> line.contains(" ERROR ") || line.contains("ClassNotFoundException")
                    || line.contains("NoClassDefFoundError") || line.contains("LinkageError")
                    || line.contains("UnsatisfiedLinkError") || line.contains("unable to locate exact NAR dependency"))
                    .toList();
        }
        assertEquals(List.of(), logProblems, "problems in " + server.appLog());
    }
}
