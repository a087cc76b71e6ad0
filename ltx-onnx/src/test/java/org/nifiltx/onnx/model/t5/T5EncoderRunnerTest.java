package org.nifiltx.onnx.model.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.safetensors.ShardedSafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;
import org.nifiltx.onnx.graph.GraphValidator;
import org.nifiltx.onnx.graph.Target;
import org.nifiltx.onnx.proto.OnnxProto.ModelProto;
import org.nifiltx.onnx.runtime.SessionConfig;

class T5EncoderRunnerTest {
    private static Path fixture(final String relative) throws URISyntaxException {
        return TinyFixtures.path(relative);
    }

    private static T5Config config(final Path folder) {
        return T5Config.fromJson(Json.read(folder.resolve("config.json")), "tiny text_encoder");
    }

    private static WeightStore weights(final Path folder) {
        return new WeightStore("text encoder", ShardedSafeTensors.readFolder(folder).tensors());
    }

    private static TensorBundle inputs() throws URISyntaxException {
        return SafeTensors.read(fixture("cases/t5_tokenize_encode/inputs.safetensors"));
    }

    private static Tensor reference(final String name) throws URISyntaxException {
        return SafeTensors.read(fixture("cases/t5_tokenize_encode/outputs.safetensors")).get(name);
    }

    private static Tensor encode(final Path folder, final boolean useMask, final TensorBundle in) {
        try (T5EncoderRunner runner = T5EncoderRunner.open(config(folder), weights(folder), useMask, SessionConfig.cpu())) {
            return runner.run(in).get("last_hidden_state");
        }
    }

    /** Asserts the fixture tolerance and returns the error relative to max|expected|. */
    private static double assertClose(final Tensor expected, final Tensor actual, final String what) {
        final double error = Parity.relativeError(expected, actual);
        System.out.printf("%s: relative error %.3e (tolerance %.0e)%n", what, error, Parity.RELATIVE_TOLERANCE);
        Parity.assertClose(expected, actual, what);
        return error;
    }

    @Test
    void maskedEncodingMatchesTransformers() throws Exception {
        final Path folder = fixture("model/diffusers/text_encoder");
        assertClose(reference("last_hidden_state_masked"), encode(folder, true, inputs()), "T5 masked");
    }

    @Test
    void unmaskedEncodingMatchesDiffusersLtxPipeline() throws Exception {
        final Path folder = fixture("model/diffusers/text_encoder");
        final Tensor masked = reference("last_hidden_state_masked");
        final Tensor unmasked = reference("last_hidden_state_unmasked");
        assertClose(unmasked, encode(folder, false, inputs()), "T5 unmasked");
        // the two references differ, so the flag is really exercised
        assertFalse(java.util.Arrays.equals(masked.toFloatArray(), unmasked.toFloatArray()));
    }

    @Test
    void longerPaddingLeavesMaskedOutputUnchanged() throws Exception {
        // with the mask, extra padded keys are excluded and the bias depends only on distance, so rows < 128 of an
        // L=256 run equal the L=128 reference; distances up to 255 exercise the clamped far buckets
        final TensorBundle in = inputs();
        final int batch = (int) in.get("input_ids").dim(0);
        final int length = (int) in.get("input_ids").dim(1);
        final int longer = 2 * length;
        final long[] ids = new long[batch * longer];
        final long[] mask = new long[batch * longer];
        final long[] shortIds = in.get("input_ids").toLongArray();
        final long[] shortMask = in.get("attention_mask").toLongArray();
        for (int b = 0; b < batch; b++) {
            System.arraycopy(shortIds, b * length, ids, b * longer, length);
            System.arraycopy(shortMask, b * length, mask, b * longer, length);
        }
        final Map<String, Tensor> padded = new LinkedHashMap<>();
        padded.put("input_ids", Tensor.ofLongs(new long[] {batch, longer}, ids));
        padded.put("attention_mask", Tensor.ofLongs(new long[] {batch, longer}, mask));
        final Tensor out = encode(fixture("model/diffusers/text_encoder"), true, TensorBundle.of(padded));
        final int width = (int) out.dim(2);
        assertArrayEquals(new long[] {batch, longer, width}, out.shape());
        final float[] all = out.toFloatArray();
        final float[] head = new float[batch * length * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(all, b * longer * width, head, b * length * width, length * width);
        }
        assertClose(reference("last_hidden_state_masked"), Tensor.ofFloats(new long[] {batch, length, width}, head),
                "T5 masked, L=256 first 128 rows");
    }

    @Test
    void shardedFolderGivesTheSameOutput(@TempDir final Path temp) throws Exception {
        final Path source = fixture("model/diffusers/text_encoder");
        final Map<String, Tensor> all = SafeTensors.read(source.resolve("model.safetensors")).tensors();
        final Map<String, Tensor> first = new LinkedHashMap<>();
        final Map<String, Tensor> second = new LinkedHashMap<>();
        final StringBuilder weightMap = new StringBuilder();
        int index = 0;
        for (final Map.Entry<String, Tensor> e : all.entrySet()) {
            final boolean inFirst = index++ < all.size() / 2;
            (inFirst ? first : second).put(e.getKey(), e.getValue());
            weightMap.append(weightMap.isEmpty() ? "" : ",\n").append("    \"").append(e.getKey()).append("\": \"")
                    .append(inFirst ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        }
        SafeTensors.write(temp.resolve("model-00001-of-00002.safetensors"), TensorBundle.of(first));
        SafeTensors.write(temp.resolve("model-00002-of-00002.safetensors"), TensorBundle.of(second));
        Files.writeString(temp.resolve("model.safetensors.index.json"),
                "{\n  \"metadata\": {},\n  \"weight_map\": {\n" + weightMap + "\n  }\n}\n");
        Files.copy(source.resolve("config.json"), temp.resolve("config.json"));
        assertFalse(first.isEmpty());
        assertFalse(second.isEmpty());
        final Tensor fromSingle = encode(source, true, inputs());
        final Tensor fromShards = encode(temp, true, inputs());
        assertArrayEquals(fromSingle.toFloatArray(), fromShards.toFloatArray());
        assertClose(reference("last_hidden_state_masked"), fromShards, "T5 masked, sharded");
    }

    @Test
    void embeddingFallsBackToEncoderEmbedTokens() throws Exception {
        final Path folder = fixture("model/diffusers/text_encoder");
        final Map<String, Tensor> renamed = new LinkedHashMap<>(ShardedSafeTensors.readFolder(folder).tensors());
        renamed.put("encoder.embed_tokens.weight", renamed.remove("shared.weight"));
        try (T5EncoderRunner runner = T5EncoderRunner.open(config(folder), new WeightStore("text encoder", renamed), false,
                SessionConfig.cpu())) {
            assertClose(reference("last_hidden_state_unmasked"), runner.run(inputs()).get("last_hidden_state"),
                    "T5 unmasked, encoder.embed_tokens.weight");
        }
    }

    @Test
    void tokenIdOutsideVocabularyIsAClearError() throws Exception {
        final Path folder = fixture("model/diffusers/text_encoder");
        final T5Config config = config(folder);
        final TensorBundle in = inputs();
        final long[] ids = in.get("input_ids").toLongArray();
        ids[7] = config.vocabSize();
        final TensorBundle bad = in.with("input_ids", Tensor.ofLongs(in.get("input_ids").shape(), ids));
        try (T5EncoderRunner runner = T5EncoderRunner.open(config, weights(folder), true, SessionConfig.cpu())) {
            final LtxException e = assertThrows(LtxException.class, () -> runner.run(bad));
            assertEquals(LtxErrorCode.INVALID_TENSOR, e.code());
            assertTrue(e.getMessage().contains("input_ids") && e.getMessage().contains(String.valueOf(config.vocabSize())),
                    e.getMessage());
            final LtxException shape = assertThrows(LtxException.class, () -> runner.run(in.with("attention_mask",
                    Tensor.ofLongs(new long[] {1, 3}, new long[] {1, 1, 1}))));
            assertTrue(shape.getMessage().contains("attention_mask"), shape.getMessage());
        }
    }

    @Test
    void graphsAreWellFormedStandardOnnx() throws Exception {
        final Path folder = fixture("model/diffusers/text_encoder");
        for (final boolean useMask : new boolean[] {true, false}) {
            final ModelProto model = T5Encoder.build(config(folder), weights(folder), useMask, Target.STANDARD_ONNX).build();
            assertEquals(List.of(), GraphValidator.problems(model));
            assertTrue(model.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));
            assertEquals(useMask ? List.of("input_ids", "attention_mask") : List.of("input_ids"),
                    model.getGraph().getInputList().stream().map(i -> i.getName()).toList());
        }
    }

    @Test
    void magnitudeBucketsFollowTheLogarithmicT5Formula() {
        final long[] table = RelativePositionBias.magnitudeBuckets(32, 128);
        assertEquals(129, table.length);
        // exact below max_exact = 8, then 8 + floor(ln(r/8)/ln(16)·8), capped at 15
        assertEquals(7, table[7]);
        assertEquals(8, table[11]);
        assertEquals(9, table[12]);
        assertEquals(10, table[16]);
        assertEquals(11, table[23]);
        assertEquals(12, table[32]);
        assertEquals(13, table[46]);
        assertEquals(14, table[64]);
        assertEquals(15, table[91]);
        assertEquals(15, table[128]);
    }
}
