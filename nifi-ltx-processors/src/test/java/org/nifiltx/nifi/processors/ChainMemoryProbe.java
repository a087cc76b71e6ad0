package org.nifiltx.nifi.processors;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;

/**
 * Runs EncodePrompt, GenerateLatents (2 timesteps) and DecodeVideo (MP4) on the tiny model at a given size in this JVM
 * and prints the peaks of Java heap in use and of direct buffers, sampled every millisecond: what a NiFi JVM holds for
 * one clip, apart from ONNX Runtime's native memory (which grows with the model's width, not with NiFi's settings).
 * Arguments: frames height width. Run by {@link NiFiMemoryFiguresTest} in a JVM with NiFi-like limits.
 */
public final class ChainMemoryProbe {
    private ChainMemoryProbe() {
    }

    public static void main(final String[] args) throws InterruptedException {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        final long[] peaks = new long[2];
        final Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peaks[0] = Math.max(peaks[0], memory.getHeapMemoryUsage().getUsed());
                peaks[1] = Math.max(peaks[1], direct.getMemoryUsed());
                try {
                    Thread.sleep(1);
                } catch (final InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();

        final TestRunner encode = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(encode);
        encode.enqueue(new byte[0], Map.of(LtxAttributes.PROMPT, "a red fox trots through fresh snow"));
        encode.run();
        final MockFlowFile embeddings = encode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);

        final TestRunner generate = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(generate);
        generate.setProperty(GenerateLatents.NUM_FRAMES, args[0]);
        generate.setProperty(GenerateLatents.HEIGHT, args[1]);
        generate.setProperty(GenerateLatents.WIDTH, args[2]);
        generate.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.TIMESTEPS);
        generate.setProperty(GenerateLatents.TIMESTEPS, "1.0, 0.9937");
        generate.enqueue(embeddings.toByteArray(), embeddings.getAttributes());
        generate.run();
        final MockFlowFile latents = generate.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);

        final TestRunner decode = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(decode);
        decode.enqueue(latents.toByteArray(), latents.getAttributes());
        decode.run();
        decode.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile video = decode.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        sampler.interrupt();
        sampler.join();
        System.out.printf("peakHeap=%d peakDirect=%d latents=%d mp4=%d%n", peaks[0], peaks[1], latents.getSize(), video.getSize());
    }
}
