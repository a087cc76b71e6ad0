package org.nifiltx.core.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/** Compares with the ids and masks the reference T5 tokenizer produced for the ltx-tiny fixture prompts. */
class T5TokenizerFixtureTest {
    private static final String CASE = "/fixtures/ltx-tiny/cases/t5_tokenize_encode/";
    private static final String SPIECE = "/fixtures/ltx-tiny/model/diffusers/tokenizer/spiece.model";

    private static List<String> prompts;
    private static int maxLength;
    private static int[] tokenCounts;
    private static long[] expectedIds;
    private static long[] expectedMask;
    private static Path spieceModel;

    @BeforeAll
    static void loadFixture() throws IOException, URISyntaxException {
        final JsonNode params = new ObjectMapper().readTree(resource(CASE + "params.json").toFile());
        prompts = new ArrayList<>();
        params.get("prompts").forEach(prompt -> prompts.add(prompt.asText()));
        maxLength = params.get("max_sequence_length").asInt();
        tokenCounts = new int[prompts.size()];
        for (int row = 0; row < prompts.size(); row++) {
            tokenCounts[row] = params.get("num_tokens").get(row).asInt();
        }
        final TensorBundle inputs = SafeTensors.read(resource(CASE + "inputs.safetensors"));
        expectedIds = inputs.get(T5Tokenizer.INPUT_IDS).toLongArray();
        expectedMask = inputs.get(T5Tokenizer.ATTENTION_MASK).toLongArray();
        spieceModel = resource(SPIECE);
    }

    static Path resource(final String name) throws URISyntaxException {
        return Path.of(T5TokenizerFixtureTest.class.getResource(name).toURI());
    }

    @Test
    void everyPromptMatchesIdsAndMask() {
        final T5Tokenizer tokenizer = T5Tokenizer.fromSentencePieceModel(spieceModel);
        assertEquals(5, prompts.size());
        for (int row = 0; row < prompts.size(); row++) {
            final Encoding encoding = tokenizer.encode(prompts.get(row), maxLength);
            assertArrayEquals(row(expectedIds, row), encoding.inputIds(), "input ids of prompt " + row);
            assertArrayEquals(row(expectedMask, row), encoding.attentionMask(), "attention mask of prompt " + row);
            assertEquals(tokenCounts[row], Arrays.stream(encoding.attentionMask()).sum(), "tokens of prompt " + row);
        }
    }

    @Test
    void tokenizerJsonEncodesLikeTheFixture() throws URISyntaxException {
        final T5Tokenizer tokenizer = T5Tokenizer.fromTokenizerJson(resource("/fixtures/ltx-tiny/model/diffusers/tokenizer/tokenizer.json"));
        final TensorBundle batch = tokenizer.encodeBatch(prompts, maxLength);
        assertArrayEquals(expectedIds, batch.get(T5Tokenizer.INPUT_IDS).toLongArray());
        assertArrayEquals(expectedMask, batch.get(T5Tokenizer.ATTENTION_MASK).toLongArray());
    }

    @Test
    void unpaddedEncodingIsTheMaskedPrefixWithoutEos() {
        final T5Tokenizer tokenizer = T5Tokenizer.fromSentencePieceModel(spieceModel);
        for (int row = 0; row < prompts.size(); row++) {
            final long[] ids = tokenizer.encode(prompts.get(row));
            if (tokenCounts[row] < maxLength) {
                assertArrayEquals(Arrays.copyOf(row(expectedIds, row), tokenCounts[row] - 1), ids,
                        "ids of prompt " + row);
            } else {
                // The truncated prompt: its first maxLength - 1 pieces are the fixture's, and it had more.
                assertArrayEquals(Arrays.copyOf(row(expectedIds, row), maxLength - 1),
                        Arrays.copyOf(ids, maxLength - 1), "ids of prompt " + row);
                assertEquals(true, ids.length >= maxLength, "prompt " + row + " must need truncation");
            }
        }
    }

    @Test
    void batchEncodingMatchesTheFixtureTensors() {
        final T5Tokenizer tokenizer = T5Tokenizer.fromSentencePieceModel(spieceModel);
        final TensorBundle batch = tokenizer.encodeBatch(prompts, maxLength);
        final Tensor ids = batch.get(T5Tokenizer.INPUT_IDS);
        final Tensor mask = batch.get(T5Tokenizer.ATTENTION_MASK);
        assertEquals(DType.I64, ids.dtype());
        assertEquals(DType.I64, mask.dtype());
        assertArrayEquals(new long[] {prompts.size(), maxLength}, ids.shape());
        assertArrayEquals(new long[] {prompts.size(), maxLength}, mask.shape());
        assertArrayEquals(expectedIds, ids.toLongArray());
        assertArrayEquals(expectedMask, mask.toLongArray());
    }

    @Test
    void vocabularyGivenAsArraysEncodesLikeTheModelFile() {
        // The route a GGUF file's tokenizer.ggml.* arrays take.
        final SentencePieceVocabulary vocabulary = SentencePieceModelReader.read(spieceModel);
        final T5Tokenizer tokenizer = T5Tokenizer.fromPieces(vocabulary.pieces(), vocabulary.scores(),
                vocabulary.types(), vocabulary.precompiledCharsmap(), vocabulary.unknownId(), vocabulary.eosId(),
                vocabulary.padId(), vocabulary.addDummyPrefix(), vocabulary.removeExtraWhitespaces());
        final TensorBundle batch = tokenizer.encodeBatch(prompts, maxLength);
        assertArrayEquals(expectedIds, batch.get(T5Tokenizer.INPUT_IDS).toLongArray());
        assertArrayEquals(expectedMask, batch.get(T5Tokenizer.ATTENTION_MASK).toLongArray());
    }

    private static long[] row(final long[] matrix, final int row) {
        return Arrays.copyOfRange(matrix, row * maxLength, (row + 1) * maxLength);
    }
}
