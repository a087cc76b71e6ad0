package org.nifiltx.core.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * Reads the fields of sentencepiece's {@code ModelProto} (src/sentencepiece_model.proto) that encoding uses. Field
 * defaults are the proto's declared defaults, since protobuf omits fields that hold them.
 */
final class SentencePieceModelReader {
    private static final int MODEL_PIECES = 1;
    private static final int MODEL_TRAINER_SPEC = 2;
    private static final int MODEL_NORMALIZER_SPEC = 3;

    private static final int PIECE_PIECE = 1;
    private static final int PIECE_SCORE = 2;
    private static final int PIECE_TYPE = 3;

    private static final int TRAINER_MODEL_TYPE = 3;
    private static final int TRAINER_TREAT_WHITESPACE_AS_SUFFIX = 24;
    private static final int TRAINER_BYTE_FALLBACK = 35;
    private static final int TRAINER_EOS_ID = 42;
    private static final int TRAINER_PAD_ID = 43;
    private static final int MODEL_TYPE_UNIGRAM = 1;

    private static final int NORMALIZER_PRECOMPILED_CHARSMAP = 2;
    private static final int NORMALIZER_ADD_DUMMY_PREFIX = 3;
    private static final int NORMALIZER_REMOVE_EXTRA_WHITESPACES = 4;
    private static final int NORMALIZER_ESCAPE_WHITESPACES = 5;

    private final List<String> pieces = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private int modelType = MODEL_TYPE_UNIGRAM;
    private boolean treatWhitespaceAsSuffix;
    private boolean byteFallback;
    private int eosId = 2;
    private int padId = -1;
    private byte[] precompiledCharsmap = new byte[0];
    private boolean addDummyPrefix = true;
    private boolean removeExtraWhitespaces = true;
    private boolean escapeWhitespaces = true;

    private SentencePieceModelReader() {
    }

    static SentencePieceVocabulary read(final Path file) {
        final byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (final NoSuchFileException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "sentencepiece model file not found: " + file, e);
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND,
                    "cannot read sentencepiece model file " + file + ": " + e.getMessage(), e);
        }
        final SentencePieceModelReader reader = new SentencePieceModelReader();
        try {
            reader.readModel(new ProtobufReader(content));
        } catch (final IllegalArgumentException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                    "corrupt sentencepiece model file " + file + ": " + e.getMessage(), e);
        }
        if (reader.modelType != MODEL_TYPE_UNIGRAM) {
            throw new LtxException(LtxErrorCode.UNSUPPORTED, "sentencepiece model file " + file + " has model type "
                    + reader.modelType + "; only unigram (1) models are supported");
        }
        try {
            return reader.toVocabulary();
        } catch (final IllegalArgumentException e) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                    "corrupt sentencepiece model file " + file + ": " + e.getMessage(), e);
        }
    }

    private void readModel(final ProtobufReader reader) {
        while (reader.hasMore()) {
            reader.readTag();
            switch (reader.fieldNumber()) {
                case MODEL_PIECES -> {
                    reader.expectWireType(ProtobufReader.WIRE_LENGTH_DELIMITED);
                    readPiece(reader.readMessage());
                }
                case MODEL_TRAINER_SPEC -> {
                    reader.expectWireType(ProtobufReader.WIRE_LENGTH_DELIMITED);
                    readTrainerSpec(reader.readMessage());
                }
                case MODEL_NORMALIZER_SPEC -> {
                    reader.expectWireType(ProtobufReader.WIRE_LENGTH_DELIMITED);
                    readNormalizerSpec(reader.readMessage());
                }
                default -> reader.skipField();
            }
        }
    }

    private void readPiece(final ProtobufReader reader) {
        String piece = "";
        float score = 0.0f;
        int type = PieceType.NORMAL;
        while (reader.hasMore()) {
            reader.readTag();
            switch (reader.fieldNumber()) {
                case PIECE_PIECE -> {
                    reader.expectWireType(ProtobufReader.WIRE_LENGTH_DELIMITED);
                    piece = reader.readString();
                }
                case PIECE_SCORE -> {
                    reader.expectWireType(ProtobufReader.WIRE_FIXED32);
                    score = reader.readFloat();
                }
                case PIECE_TYPE -> {
                    reader.expectWireType(ProtobufReader.WIRE_VARINT);
                    type = reader.readInt32();
                }
                default -> reader.skipField();
            }
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }

    private void readTrainerSpec(final ProtobufReader reader) {
        while (reader.hasMore()) {
            reader.readTag();
            switch (reader.fieldNumber()) {
                case TRAINER_MODEL_TYPE -> modelType = readVarintField(reader);
                case TRAINER_TREAT_WHITESPACE_AS_SUFFIX -> treatWhitespaceAsSuffix = readVarintField(reader) != 0;
                case TRAINER_BYTE_FALLBACK -> byteFallback = readVarintField(reader) != 0;
                case TRAINER_EOS_ID -> eosId = readVarintField(reader);
                case TRAINER_PAD_ID -> padId = readVarintField(reader);
                default -> reader.skipField();
            }
        }
    }

    private void readNormalizerSpec(final ProtobufReader reader) {
        while (reader.hasMore()) {
            reader.readTag();
            switch (reader.fieldNumber()) {
                case NORMALIZER_PRECOMPILED_CHARSMAP -> {
                    reader.expectWireType(ProtobufReader.WIRE_LENGTH_DELIMITED);
                    precompiledCharsmap = reader.readBytes();
                }
                case NORMALIZER_ADD_DUMMY_PREFIX -> addDummyPrefix = readVarintField(reader) != 0;
                case NORMALIZER_REMOVE_EXTRA_WHITESPACES -> removeExtraWhitespaces = readVarintField(reader) != 0;
                case NORMALIZER_ESCAPE_WHITESPACES -> escapeWhitespaces = readVarintField(reader) != 0;
                default -> reader.skipField();
            }
        }
    }

    private static int readVarintField(final ProtobufReader reader) {
        reader.expectWireType(ProtobufReader.WIRE_VARINT);
        return reader.readInt32();
    }

    private SentencePieceVocabulary toVocabulary() {
        final float[] scoreArray = new float[scores.size()];
        final int[] typeArray = new int[types.size()];
        // sentencepiece takes the unknown id from the piece typed UNKNOWN, not from trainer_spec.unk_id.
        int unknownId = -1;
        for (int id = 0; id < typeArray.length; id++) {
            scoreArray[id] = scores.get(id);
            typeArray[id] = types.get(id);
            if (typeArray[id] == PieceType.UNKNOWN) {
                if (unknownId >= 0) {
                    throw new IllegalArgumentException("pieces " + unknownId + " and " + id
                            + " are both typed UNKNOWN");
                }
                unknownId = id;
            }
        }
        if (unknownId < 0) {
            throw new IllegalArgumentException("no piece is typed UNKNOWN");
        }
        return new SentencePieceVocabulary(List.copyOf(pieces), scoreArray, typeArray, precompiledCharsmap,
                unknownId, eosId, padId, addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces,
                treatWhitespaceAsSuffix, byteFallback);
    }
}
