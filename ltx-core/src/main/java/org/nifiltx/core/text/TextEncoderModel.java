package org.nifiltx.core.text;

import java.nio.file.Files;
import java.nio.file.Path;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.gguf.T5GgufWeights;
import org.nifiltx.core.gguf.T5Vocabulary;
import org.nifiltx.core.safetensors.ShardedSafeTensors;

/**
 * The T5 text encoder with its tokenizer, from a diffusers pipeline folder (its {@code text_encoder/} and
 * {@code tokenizer/}), a {@code text_encoder} folder whose sibling is {@code tokenizer/}, or a llama.cpp
 * {@code t5encoder} GGUF file (weights dequantized when a graph asks for them, vocabulary from its metadata).
 */
public record TextEncoderModel(T5Config config, WeightStore weights, T5Tokenizer tokenizer) {

    public static TextEncoderModel open(final Path path) {
        if (!Files.exists(path)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "text encoder not found: " + path);
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) {
            return fromGguf(path);
        }
        final Path encoderDir = Files.isDirectory(path.resolve("text_encoder")) ? path.resolve("text_encoder") : path;
        if (!Files.isRegularFile(encoderDir.resolve("config.json"))) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, path + " is not a text encoder: expected a diffusers "
                    + "folder with text_encoder/ and tokenizer/, or a text_encoder folder with config.json");
        }
        final Path tokenizerDir = encoderDir.toAbsolutePath().resolveSibling("tokenizer");
        final Path spiece = tokenizerDir.resolve("spiece.model");
        final Path tokenizerJson = tokenizerDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(spiece) && !Files.isRegularFile(tokenizerJson)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "tokenizer not found: expected " + spiece + " or " + tokenizerJson);
        }
        final T5Config config = T5Config.fromJson(Json.read(encoderDir.resolve("config.json")), "text_encoder/config.json");
        final WeightStore weights = new WeightStore("text encoder", ShardedSafeTensors.readFolder(encoderDir).tensors());
        final T5Tokenizer tokenizer = Files.isRegularFile(spiece) ? T5Tokenizer.fromSentencePieceModel(spiece)
                : T5Tokenizer.fromTokenizerJson(tokenizerJson);
        return new TextEncoderModel(config, weights, tokenizer);
    }

    private static TextEncoderModel fromGguf(final Path file) {
        final T5GgufWeights gguf = T5GgufWeights.read(file);
        final T5Vocabulary vocabulary = gguf.vocabulary().orElseThrow(() -> new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH,
                file + " carries no tokenizer vocabulary (tokenizer.ggml.tokens); it cannot encode prompts"));
        final T5Tokenizer tokenizer = T5Tokenizer.fromPieces(vocabulary.tokens(), vocabulary.scores(), vocabulary.tokenTypes(),
                vocabulary.precompiledCharsmap(), vocabulary.unkId(), vocabulary.addEos() ? vocabulary.eosId() : -1,
                vocabulary.padId(), true, true);
        return new TextEncoderModel(gguf.config(), gguf.weights(), tokenizer);
    }
}
