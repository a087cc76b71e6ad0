package org.nifiltx.core.text;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * The T5 tokenizer: sentencepiece unigram encoding (normalisation with the model's precompiled charsmap, then
 * Viterbi segmentation), reproducing sentencepiece's ids exactly, in pure Java. Instances are immutable and safe to
 * share between threads.
 */
public final class T5Tokenizer {
    /** Names of the tensors {@link #encodeBatch} returns, as the diffusers text encoder calls its inputs. */
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";

    private final SentencePieceVocabulary vocabulary;
    private final SentencePieceNormalizer normalizer;
    private final UnigramModel model;
    /** Id of each {@code <0xNN>} piece, or the unknown id where the vocabulary lacks it; null without fallback. */
    private final int[] byteIds;

    private T5Tokenizer(final SentencePieceVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        final List<String> pieces = vocabulary.pieces();
        final float[] scores = vocabulary.scores();
        final int[] types = vocabulary.types();
        if (pieces.isEmpty() || scores.length != pieces.size() || types.length != pieces.size()) {
            throw new IllegalArgumentException("vocabulary has " + pieces.size() + " pieces, " + scores.length
                    + " scores and " + types.length + " types; they must be equal and non-zero");
        }
        final List<byte[]> pieceBytes = new ArrayList<>(pieces.size());
        final Map<String, Integer> segmentable = new HashMap<>();
        final Map<String, Integer> reserved = new HashMap<>();
        final List<byte[]> userDefined = new ArrayList<>();
        final List<Integer> userDefinedIds = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            final String piece = pieces.get(id);
            final int type = types[id];
            if (piece == null || piece.isEmpty()) {
                throw new IllegalArgumentException("piece " + id + " is empty");
            }
            if (type < PieceType.NORMAL || type > PieceType.BYTE) {
                throw new IllegalArgumentException("piece " + id + " has type " + type + "; types are 1 to 6");
            }
            final boolean isSegmentable = type == PieceType.NORMAL || type == PieceType.USER_DEFINED
                    || type == PieceType.UNUSED;
            final Integer previous = (isSegmentable ? segmentable : reserved).putIfAbsent(piece, id);
            if (previous != null) {
                throw new IllegalArgumentException("piece '" + piece + "' is defined twice (ids " + previous
                        + " and " + id + ")");
            }
            final byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            pieceBytes.add(bytes);
            if (type == PieceType.USER_DEFINED) {
                userDefined.add(bytes);
                userDefinedIds.add(id);
            }
        }
        requireId("unknown", vocabulary.unknownId(), pieces.size(), false);
        if (types[vocabulary.unknownId()] != PieceType.UNKNOWN) {
            throw new IllegalArgumentException("unknown id " + vocabulary.unknownId() + " names piece '"
                    + pieces.get(vocabulary.unknownId()) + "' of type " + types[vocabulary.unknownId()]
                    + ", not UNKNOWN (2)");
        }
        requireId("eos", vocabulary.eosId(), pieces.size(), true);
        requireId("pad", vocabulary.padId(), pieces.size(), true);
        this.byteIds = vocabulary.byteFallback() ? byteIds(reserved, vocabulary.unknownId()) : null;
        final PrecompiledCharsMap charsMap = PrecompiledCharsMap.parse(vocabulary.precompiledCharsmap());
        final PieceTrie userDefinedTrie = userDefined.isEmpty() ? null
                : new PieceTrie(userDefined, userDefinedIds.stream().mapToInt(Integer::intValue).toArray());
        this.normalizer = new SentencePieceNormalizer(charsMap, userDefinedTrie, vocabulary.addDummyPrefix(),
                vocabulary.removeExtraWhitespaces(), vocabulary.escapeWhitespaces(),
                vocabulary.treatWhitespaceAsSuffix());
        this.model = new UnigramModel(pieceBytes, scores, types, vocabulary.unknownId());
    }

    /** Loads a sentencepiece {@code spiece.model} (a serialised {@code ModelProto}). */
    public static T5Tokenizer fromSentencePieceModel(final Path spieceModel) {
        final SentencePieceVocabulary vocabulary = SentencePieceModelReader.read(spieceModel);
        try {
            return new T5Tokenizer(vocabulary);
        } catch (final IllegalArgumentException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                    "corrupt sentencepiece model file " + spieceModel + ": " + e.getMessage(), e);
        }
    }

    /** Loads a Hugging Face {@code tokenizer.json} with a Unigram model (T5 folders that lack {@code spiece.model}). */
    public static T5Tokenizer fromTokenizerJson(final Path tokenizerJson) {
        return TokenizerJsonReader.read(tokenizerJson);
    }

    /**
     * Builds the tokenizer from a vocabulary stored elsewhere (a GGUF file's tokenizer.ggml.* arrays). Whitespace is
     * escaped as U+2581 and the dummy prefix goes in front, as in every T5 model; byte fallback is on exactly when
     * the vocabulary has byte pieces, since sentencepiece refuses byte pieces otherwise.
     *
     * @param types sentencepiece piece types, see {@link PieceType}
     * @param precompiledCharsmap normalisation rules; null or empty for none
     * @param eosId id appended by {@link #encode(String, int)}; negative for none
     * @param padId id used for padding; negative for none
     */
    public static T5Tokenizer fromPieces(final List<String> pieces, final float[] scores, final int[] types,
            final byte[] precompiledCharsmap, final int unkId, final int eosId, final int padId,
            final boolean addDummyPrefix, final boolean removeExtraWhitespaces) {
        boolean hasBytePieces = false;
        for (final int type : types) {
            hasBytePieces |= type == PieceType.BYTE;
        }
        final SentencePieceVocabulary vocabulary = new SentencePieceVocabulary(List.copyOf(pieces), scores.clone(),
                types.clone(), precompiledCharsmap == null ? new byte[0] : precompiledCharsmap.clone(), unkId, eosId,
                padId, addDummyPrefix, removeExtraWhitespaces, true, false, hasBytePieces);
        try {
            return new T5Tokenizer(vocabulary);
        } catch (final IllegalArgumentException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "invalid sentencepiece vocabulary: " + e.getMessage(),
                    e);
        }
    }

    /** Number of pieces, i.e. the size of the id space. */
    public int vocabularySize() {
        return vocabulary.pieces().size();
    }

    public int eosId() {
        return vocabulary.eosId();
    }

    public int padId() {
        return vocabulary.padId();
    }

    /** The piece with the given id, e.g. for logging what a prompt became. */
    public String piece(final int id) {
        return vocabulary.pieces().get(id);
    }

    /** The ids sentencepiece's {@code encode} gives for {@code text.strip()} (Python semantics), without eos. */
    public long[] encode(final String text) {
        Objects.requireNonNull(text, "text");
        final byte[] normalized = normalizer.normalize(PythonStrings.strip(text).getBytes(StandardCharsets.UTF_8));
        final UnigramModel.Segmentation segmentation = model.segment(normalized);
        final int[] ids = segmentation.ids();
        final int[] boundaries = segmentation.boundaries();
        final long[] result = new long[normalized.length + ids.length];
        int count = 0;
        boolean previousWasUnknown = false;
        for (int index = 0; index < ids.length; index++) {
            final int id = ids[index];
            final boolean isUnknown = vocabulary.types()[id] == PieceType.UNKNOWN;
            if (isUnknown && byteIds != null) {
                // Byte fallback spells the unknown character as its UTF-8 bytes.
                for (int position = boundaries[index]; position < boundaries[index + 1]; position++) {
                    result[count++] = byteIds[normalized[position] & 0xFF];
                }
            } else if (!(isUnknown && previousWasUnknown)) {
                // sentencepiece merges a run of unknown characters into one unknown piece.
                result[count++] = id;
            }
            previousWasUnknown = isUnknown;
        }
        return Arrays.copyOf(result, count);
    }

    /**
     * Encodes to exactly {@code maxLength} ids: the first {@code maxLength - 1} pieces, eos, then pad ids, which is
     * what the T5 tokenizer gives with truncation and {@code padding="max_length"}.
     */
    public Encoding encode(final String text, final int maxLength) {
        if (maxLength < 1) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "max sequence length must be at least 1 (room for </s>), got " + maxLength);
        }
        if (vocabulary.eosId() < 0 || vocabulary.padId() < 0) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "fixed-length encoding needs eos and pad ids, but the"
                    + " vocabulary has eos id " + vocabulary.eosId() + " and pad id " + vocabulary.padId());
        }
        final long[] pieces = encode(text);
        final int kept = Math.min(pieces.length, maxLength - 1);
        final long[] inputIds = new long[maxLength];
        final long[] attentionMask = new long[maxLength];
        System.arraycopy(pieces, 0, inputIds, 0, kept);
        inputIds[kept] = vocabulary.eosId();
        Arrays.fill(inputIds, kept + 1, maxLength, vocabulary.padId());
        Arrays.fill(attentionMask, 0, kept + 1, 1L);
        return new Encoding(inputIds, attentionMask);
    }

    /** Encodes every text as {@link #encode(String, int)} does, stacked into I64 tensors of shape [texts, maxLength]. */
    public TensorBundle encodeBatch(final List<String> texts, final int maxLength) {
        final long[] inputIds = new long[Math.multiplyExact(texts.size(), Math.max(maxLength, 0))];
        final long[] attentionMask = new long[inputIds.length];
        for (int row = 0; row < texts.size(); row++) {
            final Encoding encoding = encode(texts.get(row), maxLength);
            System.arraycopy(encoding.inputIds(), 0, inputIds, row * maxLength, maxLength);
            System.arraycopy(encoding.attentionMask(), 0, attentionMask, row * maxLength, maxLength);
        }
        final long[] shape = {texts.size(), maxLength};
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(INPUT_IDS, Tensor.ofLongs(shape, inputIds));
        tensors.put(ATTENTION_MASK, Tensor.ofLongs(shape, attentionMask));
        return TensorBundle.of(tensors);
    }

    private static void requireId(final String role, final int id, final int size, final boolean mayBeAbsent) {
        if (id >= size || (id < 0 && !mayBeAbsent)) {
            throw new IllegalArgumentException(role + " id " + id + " is outside the " + size + " pieces");
        }
    }

    /** Maps each byte to its {@code <0xNN>} piece, the way sentencepiece looks up byte pieces by name. */
    private static int[] byteIds(final Map<String, Integer> reserved, final int unknownId) {
        final int[] ids = new int[256];
        for (int value = 0; value < 256; value++) {
            ids[value] = reserved.getOrDefault(String.format("<0x%02X>", value), unknownId);
        }
        return ids;
    }
}
