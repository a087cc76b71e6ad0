package org.nifiltx.core.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Builds a {@link T5Tokenizer} from a Hugging Face {@code tokenizer.json} holding a Unigram model (what T5 folders ship
 * besides, or instead of, {@code spiece.model}): the vocabulary with its scores, the special tokens, and the
 * normalizer's {@code Precompiled} character map (base64), which is the same blob sentencepiece stores.
 */
final class TokenizerJsonReader {
    private TokenizerJsonReader() {
    }

    static T5Tokenizer read(final Path file) {
        final JsonNode root = Json.read(file);
        final JsonNode model = root.path("model");
        if (!"Unigram".equals(model.path("type").asText())) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, file + ": tokenizer model type '" + model.path("type").asText()
                    + "' is not supported; T5 uses a Unigram model");
        }
        final JsonNode vocab = model.path("vocab");
        if (!vocab.isArray() || vocab.isEmpty()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, file + ": model.vocab must be a non-empty list of [piece, score]");
        }
        final List<String> pieces = new ArrayList<>();
        final float[] scores = new float[vocab.size()];
        final Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            final JsonNode entry = vocab.get(i);
            if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE, file + ": model.vocab[" + i + "] is not [piece, score]");
            }
            pieces.add(entry.get(0).asText());
            scores[i] = entry.get(1).floatValue();
            ids.putIfAbsent(entry.get(0).asText(), i);
        }
        final int unkId = model.path("unk_id").asInt(-1);
        final boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        final int[] types = new int[pieces.size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = byteFallback && pieces.get(i).matches("<0x[0-9A-F]{2}>") ? PieceType.BYTE : PieceType.NORMAL;
        }
        for (final JsonNode added : root.path("added_tokens")) {
            final int id = added.path("id").asInt(-1);
            if (id >= 0 && id < types.length && added.path("special").asBoolean(false)) {
                types[id] = PieceType.CONTROL;
            }
        }
        if (unkId < 0 || unkId >= types.length) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, file + ": model.unk_id " + unkId + " is not a vocabulary id");
        }
        types[unkId] = PieceType.UNKNOWN;
        return T5Tokenizer.fromPieces(pieces, scores, types, charsMap(root.path("normalizer")), unkId, ids.getOrDefault("</s>", -1),
                ids.getOrDefault("<pad>", -1), prependsSpace(root.path("pre_tokenizer")), true);
    }

    /** The Precompiled normalizer's map, alone or inside a Sequence; empty when there is none. */
    private static byte[] charsMap(final JsonNode normalizer) {
        if ("Precompiled".equals(normalizer.path("type").asText())) {
            return Base64.getDecoder().decode(normalizer.path("precompiled_charsmap").asText(""));
        }
        for (final JsonNode child : normalizer.path("normalizers")) {
            final byte[] found = charsMap(child);
            if (found.length > 0) {
                return found;
            }
        }
        return new byte[0];
    }

    /** Metaspace with {@code prepend_scheme} "always"/"first" (or the older {@code add_prefix_space}) = dummy prefix. */
    private static boolean prependsSpace(final JsonNode preTokenizer) {
        if ("Metaspace".equals(preTokenizer.path("type").asText())) {
            final String scheme = preTokenizer.path("prepend_scheme").asText("");
            return scheme.isEmpty() ? preTokenizer.path("add_prefix_space").asBoolean(true) : !"never".equals(scheme);
        }
        for (final JsonNode child : preTokenizer.path("pretokenizers")) {
            if ("Metaspace".equals(child.path("type").asText())) {
                return prependsSpace(child);
            }
        }
        return true;
    }
}
