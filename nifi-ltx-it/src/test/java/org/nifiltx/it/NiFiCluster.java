package org.nifiltx.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A NiFi cluster of {@link NiFiServer}s on loopback, as an operator sets one up without TLS: node 1 runs the embedded
 * ZooKeeper (the one in NiFi's framework NAR), which elects the cluster coordinator and the primary node and keeps
 * cluster-wide state (ListFile's listing); the cluster protocol and load balancing are plain sockets on 127.0.0.1, like
 * the REST API. Each node has its own home, ports and environment. A node can be stopped and started again on the same
 * home and ports, so it keeps its repositories and rejoins as itself. Closing stops every node (each also has its own
 * shutdown hook), whatever state the cluster is in.
 */
final class NiFiCluster implements AutoCloseable {
    private static final Duration JOIN_LIMIT = Duration.ofMinutes(5);
    /** How long a stopped node must stay DISCONNECTED to count as gone: two heartbeat intervals and a margin. */
    private static final Duration SETTLED = Duration.ofSeconds(5);
    private static final String HEAP = "768m";

    private final Path itDir;
    private final List<Path> homes = new ArrayList<>();
    private final List<NiFiServer.Setup> setups = new ArrayList<>();
    private final List<NiFiServer> nodes = new ArrayList<>();

    private NiFiCluster(final Path itDir) {
        this.itDir = itDir;
    }

    /**
     * Lays out {@code itDir/cluster/node<i>} afresh for one node per entry of {@code environments} (the node's extra
     * environment variables), starts them all and waits until every node is connected to the cluster and has loaded
     * the extension NARs.
     */
    static NiFiCluster start(final Path itDir, final List<Map<String, String>> environments) throws IOException {
        final Path root = itDir.resolve("cluster");
        NiFiServer.deleteRecursively(root);
        final NiFiCluster cluster = new NiFiCluster(itDir);
        try {
            final int zooKeeperPort = NiFiServer.freePort();
            for (int i = 0; i < environments.size(); i++) {
                final Path home = root.resolve("node" + (i + 1));
                cluster.homes.add(home);
                cluster.setups.add(setup(home, i == 0, environments.size(), zooKeeperPort, environments.get(i)));
                cluster.nodes.add(NiFiServer.launch(itDir, home, cluster.setups.get(i)));
            }
            for (final NiFiServer node : cluster.nodes) {
                node.awaitApi();
            }
            cluster.awaitConnected();
            for (final NiFiServer node : cluster.nodes) {
                node.awaitExtensions();
            }
        } catch (final IOException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** What a node adds to the standalone template: the cluster's ports and ZooKeeper, cluster state, auto-resume. */
    private static NiFiServer.Setup setup(final Path home, final boolean runsZooKeeper, final int size, final int zooKeeperPort,
            final Map<String, String> environment) throws IOException {
        final String zooKeeper = "127.0.0.1:" + zooKeeperPort;
        final Map<String, String> properties = new LinkedHashMap<>();
        properties.put("nifi.cluster.is.node", "true");
        properties.put("nifi.cluster.node.address", "127.0.0.1");
        properties.put("nifi.cluster.node.protocol.port", String.valueOf(NiFiServer.freePort()));
        properties.put("nifi.cluster.protocol.is.secure", "false");
        properties.put("nifi.cluster.load.balance.host", "127.0.0.1");
        properties.put("nifi.cluster.load.balance.port", String.valueOf(NiFiServer.freePort()));
        properties.put("nifi.cluster.protocol.heartbeat.interval", "2 sec");
        // a busy build machine can miss a few heartbeats; a stopped node says goodbye itself, so this does not delay the test
        properties.put("nifi.cluster.protocol.heartbeat.missable.max", "30");
        properties.put("nifi.cluster.node.connection.timeout", "5 secs");
        properties.put("nifi.cluster.node.read.timeout", "15 secs");
        // Every node starts with an empty flow: the election need not wait for more candidates than there are nodes.
        properties.put("nifi.cluster.flow.election.max.candidates", String.valueOf(size));
        properties.put("nifi.cluster.flow.election.max.wait.time", "30 secs");
        properties.put("nifi.zookeeper.connect.string", zooKeeper);
        properties.put("nifi.zookeeper.connect.timeout", "10 secs");
        properties.put("nifi.zookeeper.session.timeout", "10 secs");
        properties.put("nifi.zookeeper.root.node", "/nifi");
        properties.put("nifi.state.management.provider.cluster", "zk-provider");
        properties.put("nifi.state.management.embedded.zookeeper.start", String.valueOf(runsZooKeeper));
        properties.put("nifi.state.management.embedded.zookeeper.properties", home.resolve("conf/zookeeper.properties").toString());
        // A node that comes back runs what the cluster runs, as a production node does.
        properties.put("nifi.flowcontroller.autoResumeState", "true");
        final Map<String, String> conf = new LinkedHashMap<>();
        conf.put("state-management.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Written by NiFiCluster: local state, and cluster-wide state in the embedded ZooKeeper. -->
                <stateManagement>
                  <local-provider>
                    <id>local-provider</id>
                    <class>org.apache.nifi.controller.state.providers.local.WriteAheadLocalStateProvider</class>
                    <property name="Directory">%s</property>
                    <property name="Always Sync">false</property>
                    <property name="Partitions">4</property>
                    <property name="Checkpoint Interval">2 mins</property>
                  </local-provider>
                  <cluster-provider>
                    <id>zk-provider</id>
                    <class>org.apache.nifi.controller.state.providers.zookeeper.ZooKeeperStateProvider</class>
                    <property name="Connect String">%s</property>
                    <property name="Root Node">/nifi</property>
                    <property name="Session Timeout">10 seconds</property>
                    <property name="Access Control">Open</property>
                  </cluster-provider>
                </stateManagement>
                """.formatted(home.resolve("state/local"), zooKeeper));
        if (runsZooKeeper) {
            // A single ZooKeeper server (no server.N lines): standalone, on loopback.
            conf.put("zookeeper.properties", """
                    tickTime=2000
                    initLimit=10
                    syncLimit=5
                    dataDir=%s
                    clientPort=%d
                    clientPortAddress=127.0.0.1
                    autopurge.snapRetainCount=3
                    autopurge.purgeInterval=0
                    """.formatted(home.resolve("state/zookeeper"), zooKeeperPort));
        }
        return new NiFiServer.Setup(NiFiServer.freePort(), HEAP, properties, conf, environment);
    }

    /** Node {@code index} (0-based; node 0 runs ZooKeeper). */
    NiFiServer node(final int index) {
        return nodes.get(index);
    }

    /** "127.0.0.1:port" of node {@code index}, as nodewise status names it. */
    String address(final int index) {
        return "127.0.0.1:" + setups.get(index).port();
    }

    /** Stops node {@code index} as its operator would (SIGTERM: NiFi's graceful shutdown). */
    void stop(final int index) {
        nodes.get(index).close();
    }

    /** Starts node {@code index} again on its home (its repositories and flow as it left them) and the same ports. */
    void restart(final int index) throws IOException {
        nodes.get(index).close();
        nodes.set(index, NiFiServer.launch(itDir, homes.get(index), setups.get(index)));
        nodes.get(index).awaitApi();
        awaitConnected();
    }

    /** Waits until node 0 sees every node connected. */
    void awaitConnected() {
        final NiFiServer observer = nodes.get(0);
        Poll.until(JOIN_LIMIT, "all " + nodes.size() + " nodes to be connected", this::checkAlive,
                () -> nodeStates(observer).values().stream().filter("CONNECTED"::equals).count() == nodes.size());
    }

    /**
     * Waits until node 0 has seen node {@code index} (stopped) DISCONNECTED for {@link #SETTLED}. A heartbeat the node
     * sent while shutting down can reach the coordinator after the node's goodbye; the coordinator then asks the stopped
     * node to reconnect and holds it CONNECTING, refusing every flow change (409 "is currently connecting") until it
     * answers, which it never will. An operator disconnects such a node in the cluster table; so does this.
     */
    void awaitDisconnected(final int index) {
        final NiFiServer observer = nodes.get(0);
        final long[] disconnectedSince = {0};
        Poll.until(JOIN_LIMIT, "node " + address(index) + " to be disconnected", observer::checkAlive, () -> {
            final JsonNode node = clusterNode(observer, address(index));
            final String status = node.path("status").asText();
            if ("CONNECTING".equals(status)) {
                observer.rest().put("/controller/cluster/nodes/" + node.path("nodeId").asText(), Map.of("node",
                        Map.of("nodeId", node.path("nodeId").asText(), "status", "DISCONNECTING")));
            }
            if (!"DISCONNECTED".equals(status)) {
                disconnectedSince[0] = 0;
                return false;
            }
            if (disconnectedSince[0] == 0) {
                disconnectedSince[0] = System.nanoTime();
            }
            return System.nanoTime() - disconnectedSince[0] >= SETTLED.toNanos();
        });
    }

    /** Node {@code address} of the cluster as {@code observer} sees it (an empty node while it sees none). */
    private static JsonNode clusterNode(final NiFiServer observer, final String address) {
        for (final JsonNode node : observer.rest().get("/controller/cluster").path("cluster").path("nodes")) {
            if (address.equals(node.path("address").asText() + ":" + node.path("apiPort").asInt())) {
                return node;
            }
        }
        return JsonNodeFactory.instance.objectNode();
    }

    /**
     * Each node's status (CONNECTED, CONNECTING, DISCONNECTED, ...) as {@code observer} sees it, by address; none while
     * the observer itself is not connected (its API answers 404 then).
     */
    static Map<String, String> nodeStates(final NiFiServer observer) {
        final Map<String, String> states = new LinkedHashMap<>();
        final JsonNode cluster;
        try {
            cluster = observer.rest().get("/controller/cluster");
        } catch (final AssertionError notConnected) {
            return states;
        }
        for (final JsonNode node : cluster.path("cluster").path("nodes")) {
            states.put(node.path("address").asText() + ":" + node.path("apiPort").asInt(), node.path("status").asText());
        }
        return states;
    }

    /** The address of the node holding {@code role} ("Primary Node", "Cluster Coordinator") as node 0 sees it, or "none". */
    String holding(final String role) {
        for (final JsonNode node : nodes.get(0).rest().get("/controller/cluster").path("cluster").path("nodes")) {
            for (final JsonNode held : node.path("roles")) {
                if (role.equals(held.asText())) {
                    return node.path("address").asText() + ":" + node.path("apiPort").asInt();
                }
            }
        }
        return "none";
    }

    /** Fails when a node process that should be running has exited. */
    private void checkAlive() {
        nodes.forEach(NiFiServer::checkAlive);
    }

    @Override
    public void close() {
        for (final NiFiServer node : nodes) {
            node.close();
        }
    }
}
