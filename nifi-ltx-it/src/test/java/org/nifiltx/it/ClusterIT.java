package org.nifiltx.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The JSON folder flow of flows/ on a 2-node NiFi 2.3.0 cluster ({@link NiFiCluster}) with the tiny fixture model:
 * imported over the REST API, its parameters pointing both nodes at one shared set of folders. ListFile runs on the
 * primary node, the round-robin connection spreads the requests, and each node's model service takes its backend and
 * device from the node's environment (node 1 sets LTX_BACKEND and LTX_DEVICE, node 2 nothing: the expressions'
 * defaults). First both nodes generate; then, with a batch spread over the nodes and held in front of GenerateLatents,
 * node 2 is stopped, node 1 finishes its share, node 2 is started again and finishes the requests it kept in its
 * repositories. Every request must give exactly one MP4 of the requested frames and size; Write MP4 refuses to replace
 * a file, so a request generated twice would leave a failure report.
 */
class ClusterIT {
    private static final Duration RUN_LIMIT = Duration.ofMinutes(5);
    /** Frames, height, width of the requests: mixed sizes, each a few tiny-model steps. */
    private static final int[][] SIZES = {{9, 64, 96}, {17, 64, 64}, {25, 96, 64}, {9, 64, 128}, {17, 96, 96}, {9, 128, 64}};

    private static NiFiCluster cluster;

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void requestsAreSpreadOverTheNodesAndNoneIsLostOrDoubledWhenANodeStops() throws IOException {
        final Path itDir = Path.of(System.getProperty("nifi.it.dir"));
        final long begin = System.nanoTime();
        cluster = NiFiCluster.start(itDir, List.of(Map.of("LTX_BACKEND", "cpu", "LTX_DEVICE", "1"), Map.of()));
        final long started = System.nanoTime();
        final NiFiServer first = cluster.node(0);
        final String node1 = cluster.address(0);
        final String node2 = cluster.address(1);

        NiFiServer.deleteRecursively(itDir.resolve("cluster-run"));
        final Folders shared = Folders.create(itDir.resolve("cluster-run"), first::checkAlive);
        final ImportedFlow flow = ImportedFlow.upload(first, Path.of(System.getProperty("nifi.it.flows"), "ltx-json-folder.json"),
                "JSON requests on the cluster");
        flow.setParameters(shared.parameters());
        flow.setProperty("Write MP4", "Conflict Resolution Strategy", "fail");
        flow.setServices(true);
        flow.start();

        // 1. Six requests: both nodes generate.
        final long batch1 = System.nanoTime();
        for (int i = 0; i < SIZES.length; i++) {
            request(shared, "a-" + i, SIZES[i]);
        }
        shared.awaitResults(6, 0);
        final long batch1Done = System.nanoTime();
        final Map<String, JsonNode> decoded = flow.processorStatusByNode("DecodeVideo");
        final Map<String, JsonNode> generated = flow.processorStatusByNode("GenerateLatents");
        assertEquals(Set.of(node1, node2), decoded.keySet());
        final int byNode1 = decoded.get(node1).path("flowFilesOut").asInt();
        final int byNode2 = decoded.get(node2).path("flowFilesOut").asInt();
        assertEquals(6, byNode1 + byNode2, "videos decoded by the nodes");
        assertTrue(byNode1 > 0 && byNode2 > 0, "both nodes generate: " + byNode1 + " and " + byNode2);

        // 2. A batch held in front of GenerateLatents on both nodes; node 2 stops with its share.
        flow.setRunning("GenerateLatents", false);
        for (int i = 0; i < SIZES.length; i++) {
            request(shared, "b-" + i, SIZES[i]);
        }
        Poll.until(RUN_LIMIT, "the second batch to queue on both nodes", first::checkAlive, () -> {
            final Map<String, JsonNode> status = flow.groupStatusByNode();
            return status.values().stream().mapToInt(node -> node.path("flowFilesQueued").asInt()).sum() == 6
                    && status.values().stream().allMatch(node -> node.path("flowFilesQueued").asInt() > 0);
        });
        final int heldByNode2 = flow.groupStatusByNode().get(node2).path("flowFilesQueued").asInt();
        final String primaryBefore = cluster.holding("Primary Node");
        final long stopping = System.nanoTime();
        cluster.stop(1);
        final long stopped = System.nanoTime();
        cluster.awaitDisconnected(1);
        final long disconnected = System.nanoTime();
        flow.setRunning("GenerateLatents", true);
        shared.awaitResults(12 - heldByNode2, 0);
        Poll.until(RUN_LIMIT, "node 1 to finish its share", first::checkAlive,
                () -> flow.groupStatusByNode().get(node1).path("flowFilesQueued").asInt() == 0);
        final long node1Done = System.nanoTime();
        assertEquals(node1, cluster.holding("Primary Node"), "the primary node while node 2 is down");
        // node 2's requests wait in its repositories: nothing else made them
        assertEquals(12 - heldByNode2, shared.videos(), "videos while node 2 is down");

        // 3. Node 2 comes back and finishes exactly what it held.
        final long restarting = System.nanoTime();
        cluster.restart(1);
        final long rejoined = System.nanoTime();
        shared.awaitResults(12, 0);
        final long allDone = System.nanoTime();
        assertEquals(heldByNode2, flow.processorStatusByNode("DecodeVideo").get(node2).path("flowFilesOut").asInt(),
                "videos node 2 made after its restart");
        for (int i = 0; i < SIZES.length; i++) {
            for (final String batch : List.of("a-", "b-")) {
                shared.assertVideo(batch + i + ".mp4", SIZES[i][0], SIZES[i][1], SIZES[i][2]);
            }
        }
        shared.assertEveryRequestAccountedFor();
        Poll.until(RUN_LIMIT, "the queues of both nodes to empty", first::checkAlive, () -> flow.queued() == 0);
        flow.stop();
        flow.setServices(false);

        System.out.printf("[ClusterIT] cluster of 2 started (connected, NARs loaded) in %.1f s%n", seconds(begin, started));
        System.out.printf("[ClusterIT] 6 requests on 2 nodes in %.1f s: %d by node 1, %d by node 2; GenerateLatents per "
                + "request %s%n", seconds(batch1, batch1Done), byNode1, byNode2, perRequest(generated));
        System.out.printf("[ClusterIT] primary node %s; node 2 (%s) stopped with %d of 6 requests in %.1f s, disconnected "
                + "after %.1f s more; node 1 finished its %d in %.1f s%n", primaryBefore, node2, heldByNode2,
                seconds(stopping, stopped), seconds(stopped, disconnected),
                6 - heldByNode2, seconds(disconnected, node1Done));
        System.out.printf("[ClusterIT] node 2 restarted and rejoined in %.1f s, its %d requests done %.1f s later; "
                + "whole test %.1f s%n", seconds(restarting, rejoined), heldByNode2, seconds(rejoined, allDone),
                seconds(begin, System.nanoTime()));
    }

    private static void request(final Folders folders, final String name, final int[] size) throws IOException {
        folders.request(name + ".json", """
                {"prompt": "a lighthouse on a cliff at dusk", "num_frames": %d, "height": %d, "width": %d, "seed": 7,
                 "timesteps": [1.0, 0.5]}""".formatted(size[0], size[1], size[2]));
    }

    /** "node: N ms" of each node: its task time divided by the FlowFiles it put out, over the status window. */
    private static String perRequest(final Map<String, JsonNode> status) {
        final List<String> parts = new ArrayList<>();
        status.forEach((node, snapshot) -> parts.add(node + " " + (snapshot.path("flowFilesOut").asInt() == 0 ? "-"
                : snapshot.path("tasksDurationNanos").asLong() / 1_000_000 / snapshot.path("flowFilesOut").asInt() + " ms")));
        return String.join(", ", parts);
    }

    private static double seconds(final long from, final long to) {
        return (to - from) / 1e9;
    }
}
