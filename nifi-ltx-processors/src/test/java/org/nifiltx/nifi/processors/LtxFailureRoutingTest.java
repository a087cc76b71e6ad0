package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.nifi.util.MockFlowFile;
import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.memory.MemoryBudget;
import org.nifiltx.core.pipeline.PromptEmbeddings;
import org.nifiltx.core.pipeline.PromptPair;
import org.nifiltx.core.pipeline.StageMetadata;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Bad input never loses a FlowFile: it goes to failure with its content unchanged and the exact reason in ltx.error. */
class LtxFailureRoutingTest {

    private static TestRunner generateLatents() {
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner);
        runner.setProperty(GenerateLatents.NUM_FRAMES, "9");
        runner.setProperty(GenerateLatents.HEIGHT, "64");
        runner.setProperty(GenerateLatents.WIDTH, "96");
        runner.setProperty(GenerateLatents.SCHEDULE, DenoisingSchedule.STEPS);
        runner.setProperty(GenerateLatents.STEPS, "2");
        return runner;
    }

    private static void assertFailure(final TestRunner runner, final byte[] content, final String error) {
        runner.assertAllFlowFilesTransferred(LtxProperties.FAILURE, 1);
        final MockFlowFile failed = runner.getFlowFilesForRelationship(LtxProperties.FAILURE).get(0);
        failed.assertAttributeEquals(LtxAttributes.ERROR, error);
        assertTrue(failed.isPenalized(), "a failed FlowFile is penalized");
        assertEquals(1L, runner.getCounterValue(LtxProperties.COUNTER_FAILURES));
        assertArrayEquals(content, failed.toByteArray(), "content changed");
        failed.assertAttributeNotExists(LtxAttributes.STAGE);
    }

    private static byte[] embeddings(final int width) {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(PromptEmbeddings.EMBEDDINGS, Tensor.ofFloats(new long[] {1, 8, width}, new float[8 * width]));
        tensors.put(PromptEmbeddings.ATTENTION_MASK, Tensor.ofLongs(new long[] {1, 8}, new long[8]));
        tensors.put(PromptPair.NEGATIVE_EMBEDDINGS, Tensor.ofFloats(new long[] {1, 8, width}, new float[8 * width]));
        tensors.put(PromptPair.NEGATIVE_ATTENTION_MASK, Tensor.ofLongs(new long[] {1, 8}, new long[8]));
        return Fixtures.bytes(TensorBundle.of(tensors));
    }

    @Test
    void corruptSafetensorsContentGoesToFailure() {
        final TestRunner runner = generateLatents();
        final byte[] content = "abcde".getBytes(StandardCharsets.US_ASCII);
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "corrupt safetensors file <FlowFile content>: file is 5 bytes, too short for the 8-byte "
                + "header length");
    }

    @Test
    void embeddingsOfTheWrongWidthGoToFailure() {
        final TestRunner runner = generateLatents();
        final byte[] content = embeddings(5);
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "the content is not an encoded prompt from EncodePrompt: 'prompt_embeds' must be [batch, "
                + "at most 4096 tokens, 24] (the transformer's caption_channels), got [1, 8, 5]; 'negative_prompt_embeds' must be "
                + "[batch, at most 4096 tokens, 24] (the transformer's caption_channels), got [1, 8, 5]");
    }

    @Test
    void aSizeTheVaeCannotEncodeGoesToFailure() {
        final TestRunner runner = generateLatents();
        runner.setProperty(GenerateLatents.HEIGHT, "${height}");
        final byte[] content = embeddings(24);
        runner.enqueue(content, Map.of("height", "70"));
        runner.run();
        assertFailure(runner, content, "Height: 70 is not a positive multiple of 32");
    }

    @Test
    void aSizeThatCannotFitGoesToFailureBeforeAnyModelWork() {
        final TestRunner runner = generateLatents();
        runner.setProperty(GenerateLatents.NUM_FRAMES, "100001");
        runner.setProperty(GenerateLatents.HEIGHT, "8192");
        runner.setProperty(GenerateLatents.WIDTH, "8192");
        final byte[] content = embeddings(24);
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "100001 frames of 8192x8192 need about 183.3 TiB while decoding (decoded video 183.1 TiB, "
                + "latents 146.5 GiB, VAE decode 4.8 MiB); the memory budget is " + MemoryBudget.format(MemoryBudget.defaultBytes()));
    }

    @Test
    void aDecodedVideoLargerThanOneBufferGoesToFailure() {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        // the size comes from the content's metadata, as GenerateLatents writes it
        final byte[] content = Fixtures.bytes(new TensorBundle(Map.of(GenerateLatents.LATENTS_TENSOR,
                Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, new float[16 * 2 * 2 * 3])), Map.of(StageMetadata.NUM_FRAMES, "257",
                StageMetadata.HEIGHT, "1024", StageMetadata.WIDTH, "1024")));
        runner.enqueue(content);
        runner.run();
        // 7.5 GiB while decoding: the budget refuses it on a small machine, the buffer limit on any other
        assertFailure(runner, content, MemoryBudget.defaultBytes() < 8L << 30
                ? "257 frames of 1024x1024 need about 7.5 GiB while decoding (decoded video 7.5 GiB, latents 6.2 MiB, VAE decode "
                        + "4.8 MiB); the memory budget is " + MemoryBudget.format(MemoryBudget.defaultBytes())
                : "257 frames of 1024x1024 make a decoded video [1, 3, 257, 1024, 1024] of 3.0 GiB in float32, more than one "
                        + "buffer holds (2.0 GiB); at 1024x1024 at most 169 frames fit");
    }

    @Test
    void aSeedThatIsNotANumberGoesToFailure() {
        final TestRunner runner = generateLatents();
        final byte[] content = embeddings(24);
        runner.enqueue(content, Map.of(LtxAttributes.SEED, "tomorrow"));
        runner.run();
        assertFailure(runner, content, "Seed: 'tomorrow' is not a valid integer");
    }

    @Test
    void nanLatentsGoToFailure() {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        final float[] values = new float[16 * 2 * 2 * 3];
        Arrays.fill(values, 0.5f);
        values[7] = Float.NaN;
        final byte[] content = Fixtures.bytes(TensorBundle.of(Map.of(GenerateLatents.LATENTS_TENSOR,
                Tensor.ofFloats(new long[] {1, 16, 2, 2, 3}, values))));
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "tensor 'latents' holds NaN at flat index 7; every value must be finite");
    }

    @Test
    void latentsWithTheWrongChannelCountGoToFailure() {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        final byte[] content = Fixtures.bytes(TensorBundle.of(Map.of(GenerateLatents.LATENTS_TENSOR,
                Tensor.ofFloats(new long[] {1, 8, 2, 2, 3}, new float[8 * 2 * 2 * 3]))));
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "the content is not latents from GenerateLatents: 'latents' must be [1, 16, frames, "
                + "height, width], got [1, 8, 2, 2, 3]");
    }

    @Test
    void anEmptyPromptGoesToFailure() {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        Fixtures.addService(runner);
        final byte[] content = "untouched".getBytes(StandardCharsets.UTF_8);
        runner.enqueue(content);
        runner.run();
        assertFailure(runner, content, "Prompt: ${ltx.prompt} evaluated to an empty text");
    }
}
