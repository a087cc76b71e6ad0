package org.nifiltx.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.core.video.DecodedVideo;
import org.nifiltx.core.video.VideoReader;

/**
 * The four folders of a folder flow (in/, processed/, out/, failed/), the requests written into it and what came out.
 * {@code alive} is the check of the server (a wait ends at once when it fails).
 */
record Folders(Path in, Path processed, Path out, Path failed, Set<String> requests, Runnable alive) {
    private static final Duration RUN_LIMIT = Duration.ofMinutes(5);

    static Folders create(final Path root, final Runnable alive) throws IOException {
        final Folders folders = new Folders(root.resolve("in"), root.resolve("processed"), root.resolve("out"),
                root.resolve("failed"), new TreeSet<>(), alive);
        for (final Path dir : List.of(folders.in, folders.processed, folders.out, folders.failed)) {
            Files.createDirectories(dir);
        }
        return folders;
    }

    Map<String, String> parameters() {
        final Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("Model Path", TinyFixtures.path("model/diffusers").toString());
        parameters.put("Precision", "fp32");
        parameters.put("Input Directory", in.toString());
        parameters.put("Processed Directory", processed.toString());
        parameters.put("Output Directory", out.toString());
        parameters.put("Failed Directory", failed.toString());
        return parameters;
    }

    /** Writes a request beside the folder and moves it in, so ListFile never sees half a file. */
    void request(final String name, final String content) throws IOException {
        place(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A PNG of the given size with a colour gradient. */
    void image(final String name, final int width, final int height) throws IOException {
        final BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | 128);
            }
        }
        final Path staged = in.resolveSibling(name);
        ImageIO.write(image, "png", staged.toFile());
        place(name, Files.readAllBytes(staged));
        Files.delete(staged);
    }

    private void place(final String name, final byte[] content) throws IOException {
        final Path staged = in.resolveSibling(name + ".staged");
        Files.write(staged, content);
        Files.move(staged, in.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        requests.add(name);
    }

    void awaitResults(final int videos, final int failures) {
        Poll.until(RUN_LIMIT, videos + " videos in " + out + " and " + failures + " reports in " + failed, alive,
                () -> {
                    final int made = count(out);
                    final int failedNow = count(failed);
                    if (made > videos || failedNow > failures) {
                        throw new AssertionError("more results than requests: videos " + names(out) + ", failures "
                                + names(failed));
                    }
                    return made == videos && failedNow == failures;
                });
    }

    /** Finished videos in out/. */
    int videos() throws IOException {
        return count(out);
    }

    void assertVideo(final String name, final int frames, final int height, final int width) {
        final DecodedVideo video = VideoReader.read(out.resolve(name));
        assertEquals(List.of(frames, height, width), List.of(video.frameCount(), video.height(), video.width()), name);
    }

    JsonNode failureReport(final String name) throws IOException {
        return NiFiRest.JSON.readTree(failed.resolve(name).toFile());
    }

    /** Each request was read (moved to processed/) and left exactly one result, a video or a failure report. */
    void assertEveryRequestAccountedFor() throws IOException {
        assertEquals(requests, names(processed), "requests read");
        assertEquals(0, count(in), "requests left unread");
        final Set<String> results = new TreeSet<>();
        names(out).forEach(name -> results.add(base(name)));
        names(failed).forEach(name -> results.add(base(name)));
        final Set<String> expected = new TreeSet<>();
        requests.forEach(name -> expected.add(base(name)));
        assertEquals(expected, results, "one result per request");
        assertEquals(requests.size(), count(out) + count(failed), "results");
    }

    private static String base(final String name) {
        return name.substring(0, name.lastIndexOf('.'));
    }

    private static int count(final Path dir) throws IOException {
        return names(dir).size();
    }

    private static Set<String> names(final Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            final Set<String> names = new TreeSet<>();
            // PutFile writes a dot file first and renames it: only finished files count.
            files.map(file -> file.getFileName().toString()).filter(name -> !name.startsWith(".")).forEach(names::add);
            return names;
        }
    }
}
