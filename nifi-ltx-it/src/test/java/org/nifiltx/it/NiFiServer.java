package org.nifiltx.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A NiFi 2.3.0 server assembled from Maven Central's jars and NARs (lib/ and extensions/ as the build's
 * maven-dependency-plugin copied them), configured for plain HTTP on 127.0.0.1 at free ports with no users, and started
 * without NiFi's bootstrap (not on Central) by running {@code org.apache.nifi.NiFi} directly. Closing it stops the
 * process (SIGTERM, then SIGKILL after a minute); a JVM shutdown hook does the same if the test JVM is ended first.
 */
final class NiFiServer implements AutoCloseable {
    private static final List<String> CONF_FILES = List.of("nifi.properties", "state-management.xml", "logback.xml");
    private static final Duration START_LIMIT = Duration.ofMinutes(4);
    private static final Duration STOP_LIMIT = Duration.ofSeconds(60);

    private final Path home;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private final NiFiRest rest;

    private NiFiServer(final Path home, final int port, final Process process) {
        this.home = home;
        this.port = port;
        this.process = process;
        this.rest = new NiFiRest(port);
        this.shutdownHook = new Thread(this::stopProcess, "stop NiFi " + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Lays out {@code itDir/home} afresh (conf/, logs/; repositories and unpacked NARs are made by NiFi under it),
     * starts the server and waits until its REST API answers.
     */
    static NiFiServer start(final Path itDir) throws IOException {
        final Path home = itDir.resolve("home");
        deleteRecursively(home);
        // 1 GB: NiFi's own default (bootstrap.conf), which the README's memory figures promise is enough for one clip
        final NiFiServer server = launch(itDir, home, new Setup(freePort(), "1g", Map.of(), Map.of(), Map.of()));
        server.awaitApi();
        return server;
    }

    /**
     * How a server differs from the standalone template.
     *
     * @param port        the REST API's port
     * @param heap        the JVM's maximum heap, e.g. "1g"
     * @param properties  nifi.properties entries replacing or added to the template's
     * @param conf        further files of conf/ by name, e.g. zookeeper.properties; they replace the template's
     * @param environment variables added to the server's environment
     */
    record Setup(int port, String heap, Map<String, String> properties, Map<String, String> conf,
            Map<String, String> environment) {
    }

    /**
     * Writes conf/ into {@code home} as {@code setup} says (what NiFi left there from an earlier run, its repositories
     * and flow, stays) and starts NiFi there. Does not wait for it.
     */
    static NiFiServer launch(final Path itDir, final Path home, final Setup setup) throws IOException {
        final int port = setup.port();
        final Path lib = itDir.resolve("lib");
        final Path extensions = itDir.resolve("extensions");
        for (final Path dir : List.of(lib, extensions)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(dir + " is missing: run the build's pre-integration-test phase (mvn verify)");
            }
        }
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("logs"));
        for (final String name : CONF_FILES) {
            try (InputStream in = NiFiServer.class.getResourceAsStream("/nifi-conf/" + name)) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .replace("@HOME@", home.toString()).replace("@LIB@", lib.toString())
                        .replace("@EXTENSIONS@", extensions.toString()).replace("@PORT@", String.valueOf(port));
                if ("nifi.properties".equals(name)) {
                    text = withProperties(text, setup.properties());
                }
                Files.writeString(home.resolve("conf").resolve(name), text);
            }
        }
        for (final Map.Entry<String, String> file : setup.conf().entrySet()) {
            Files.writeString(home.resolve("conf").resolve(file.getKey()), file.getValue());
        }
        // NiFi also opens a management (health) server, on 127.0.0.1:52020 unless told otherwise: another NiFi on the
        // machine (a second build, a developer's server, the other node of a test cluster) would hold that port.
        final int managementPort = freePort();
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final ProcessBuilder builder = new ProcessBuilder(java.toString(), "-Xms256m", "-Xmx" + setup.heap(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
                "-Dorg.apache.nifi.management.server.address=127.0.0.1:" + managementPort,
                // the embedded ZooKeeper of a cluster node would otherwise open its admin server on port 8080
                "-Dzookeeper.admin.enableServer=false",
                "-Dnifi.properties.file.path=" + home.resolve("conf/nifi.properties"),
                "-Dorg.apache.nifi.bootstrap.config.log.dir=" + home.resolve("logs"),
                "-Dlogback.configurationFile=" + home.resolve("conf/logback.xml"),
                "-cp", home.resolve("conf") + ":" + lib + "/*", "org.apache.nifi.NiFi")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("logs/nifi-stdout.log").toFile()));
        builder.environment().putAll(setup.environment());
        return new NiFiServer(home, port, builder.start());
    }

    /** Waits until the REST API answers; stops the server if it does not in time. */
    void awaitApi() {
        try {
            Poll.until(START_LIMIT, "the NiFi REST API on 127.0.0.1:" + port, this::checkAlive, rest::answers);
        } catch (final RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Waits until NiFi has loaded our NARs and the standard processors (after the REST API answers). */
    void awaitExtensions() {
        Poll.until(Duration.ofMinutes(3), "the extension NARs to load on port " + port, this::checkAlive, () -> {
            final String processors = rest.get("/flow/processor-types").toString();
            final String services = rest.get("/flow/controller-service-types").toString();
            return processors.contains("org.nifiltx.nifi.processors.GenerateLatents")
                    && processors.contains("org.apache.nifi.processors.standard.ListFile")
                    && services.contains("org.nifiltx.nifi.service.StandardLtxVideoModelService");
        });
    }

    /** {@code text} (a nifi.properties) with each of {@code properties} replacing its key's line, or appended. */
    private static String withProperties(final String text, final Map<String, String> properties) {
        final Map<String, String> left = new LinkedHashMap<>(properties);
        final StringBuilder out = new StringBuilder();
        for (final String line : text.split("\n", -1)) {
            final int equals = line.indexOf('=');
            final String key = line.startsWith("#") || equals < 0 ? null : line.substring(0, equals);
            out.append(key != null && left.containsKey(key) ? key + "=" + left.remove(key) : line).append('\n');
        }
        left.forEach((key, value) -> out.append(key).append('=').append(value).append('\n'));
        return out.toString();
    }

    NiFiRest rest() {
        return rest;
    }

    int port() {
        return port;
    }

    Path home() {
        return home;
    }

    /** The application log, for checks on what NiFi logged. */
    Path appLog() {
        return home.resolve("logs/nifi-app.log");
    }

    /** Fails when the server process has exited (a wait should not run on to its limit then). */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new AssertionError("NiFi exited with status " + process.exitValue() + "; see " + home.resolve("logs"));
        }
    }

    @Override
    public void close() {
        stopProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (final IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself.
        }
    }

    /** SIGTERM runs NiFi's shutdown hook; SIGKILL (with every child process) only if it overruns. */
    private void stopProcess() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (final InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** A port nobody listens on now, on the loopback address NiFi binds to. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(final Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
