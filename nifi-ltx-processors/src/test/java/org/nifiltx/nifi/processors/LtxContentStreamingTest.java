package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.video.DecodedVideo;
import org.nifiltx.core.video.VideoReader;

/**
 * Content is streamed and checked from its header: foreign or oversized content goes to failure unchanged, and
 * DecodeVideo writes the video straight into the FlowFile (no temporary file).
 */
class LtxContentStreamingTest {
    private static MockFlowFile failed(final TestRunner runner, final byte[] content) {
        runner.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0);
        assertArrayEquals(content, failed.toByteArray(), "content changed");
        assertTrue(failed.isPenalized());
        return failed;
    }

    @Test
    void anMp4SentToGenerateLatentsFailsAtItsFirstEightBytes() {
        final TestRunner runner = Fixtures.tinyGenerateLatents();
        final byte[] mp4 = Arrays.copyOf(new byte[] {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'}, 4096);
        runner.enqueue(mp4);
        runner.run();
        failed(runner, mp4).assertAttributeEquals(LtxAttributes.ERROR, "corrupt safetensors file <FlowFile content>: header "
                + "length 8104636986402275328 is beyond the file size 4096 (or outside 2..104857600)");
    }

    @Test
    void tensorsAnEncodedPromptDoesNotHaveAreListed() {
        final TestRunner runner = Fixtures.tinyGenerateLatents();
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("frames_uint8", Tensor.ofFloats(new long[] {2}, new float[2]));
        tensors.put(PromptEmbeddings.ATTENTION_MASK, Tensor.ofLongs(new long[] {1, 8000}, new long[8000]));
        final byte[] content = Fixtures.bytes(TensorBundle.of(tensors));
        runner.enqueue(content);
        runner.run();
        failed(runner, content).assertAttributeEquals(LtxAttributes.ERROR, "the content is not an encoded prompt from "
                + "EncodePrompt: unexpected tensor 'frames_uint8'; 'prompt_attention_mask' must be [batch, at most 4096 tokens], "
                + "got [1, 8000]; no 'prompt_embeds' tensor");
    }

    @Test
    void anImageOfMoreThanAnEightKFrameIsRefusedFromItsHeader() throws IOException {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner);
        runner.setProperty(EncodePrompt.IMAGE_SOURCE, ImageSource.FLOWFILE_CONTENT.getValue());
        final ByteArrayOutputStream png = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(new BufferedImage(8193, 4097, BufferedImage.TYPE_BYTE_BINARY), "png", png));
        runner.enqueue(png.toByteArray(), Map.of(LtxAttributes.PROMPT, "a boat"));
        runner.run();
        failed(runner, png.toByteArray()).assertAttributeEquals(LtxAttributes.ERROR, "image <FlowFile content> is 8193x4097, "
                + "33566721 pixels; an input image may have at most 33554432 (8K)");
    }

    @Test
    void decodeVideoWritesTheMp4IntoTheContentWithNoTemporaryFile() throws IOException {
        final Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        final List<Path> before = ours(temporary);
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        final float[] values = new float[16 * 2 * 2 * 3];
        Arrays.fill(values, 0.25f);
        runner.enqueue(Fixtures.bytes(TensorBundle.of(Map.of(GenerateLatents.LATENTS_TENSOR,
                Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, values)))));
        runner.run();
        runner.assertAllFlowFilesTransferred(LtxProperties.SUCCESS, 1);
        final MockFlowFile video = runner.getFlowFilesForRelationship(LtxProperties.SUCCESS).get(0);
        video.assertAttributeEquals(LtxAttributes.MIME_TYPE, "video/mp4");
        assertEquals(before, ours(temporary), "DecodeVideo left or used a temporary file");

        final Path file = Files.createTempFile("decoded-", ".mp4");
        try {
            Files.write(file, video.toByteArray());
            final DecodedVideo decoded = VideoReader.read(file);
            // the grid [2, 2, 3] decodes to 9 frames of 64x96 on the tiny VAE (8x spatial, 8x temporal)
            assertEquals(9, decoded.frameCount());
            assertEquals(64, decoded.height());
            assertEquals(96, decoded.width());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<Path> ours(final Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().startsWith("nifi-ltx-")).sorted().toList();
        }
    }
}
