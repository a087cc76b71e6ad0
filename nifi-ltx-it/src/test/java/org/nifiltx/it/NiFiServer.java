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
import java.util.List;
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
        final Path lib = itDir.resolve("lib");
        final Path extensions = itDir.resolve("extensions");
        for (final Path dir : List.of(lib, extensions)) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(dir + " is missing: run the build's pre-integration-test phase (mvn verify)");
            }
        }
        final Path home = itDir.resolve("home");
        deleteRecursively(home);
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("logs"));
        final int port = freePort();
        for (final String name : CONF_FILES) {
            try (InputStream in = NiFiServer.class.getResourceAsStream("/nifi-conf/" + name)) {
                final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .replace("@HOME@", home.toString()).replace("@LIB@", lib.toString())
                        .replace("@EXTENSIONS@", extensions.toString()).replace("@PORT@", String.valueOf(port));
                Files.writeString(home.resolve("conf").resolve(name), text);
            }
        }
        // NiFi also opens a management (health) server, on 127.0.0.1:52020 unless told otherwise: another NiFi on the
        // machine (a second build, a developer's server) would hold that port.
        final int managementPort = freePort();
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Process process = new ProcessBuilder(java.toString(), "-Xms256m", "-Xmx2g", "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
                "-Dorg.apache.nifi.management.server.address=127.0.0.1:" + managementPort,
                "-Dnifi.properties.file.path=" + home.resolve("conf/nifi.properties"),
                "-Dorg.apache.nifi.bootstrap.config.log.dir=" + home.resolve("logs"),
                "-Dlogback.configurationFile=" + home.resolve("conf/logback.xml"),
                "-cp", home.resolve("conf") + ":" + lib + "/*", "org.apache.nifi.NiFi")
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("logs/nifi-stdout.log").toFile())
                .start();
        final NiFiServer server = new NiFiServer(home, port, process);
        try {
            Poll.until(START_LIMIT, "the NiFi REST API on 127.0.0.1:" + port, server::checkAlive, server.rest::answers);
        } catch (final RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
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
    private static int freePort() throws IOException {
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
