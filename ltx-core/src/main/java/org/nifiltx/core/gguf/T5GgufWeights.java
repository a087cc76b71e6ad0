package org.nifiltx.core.gguf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;

/**
 * A T5 v1.1 encoder read from a llama.cpp GGUF ({@code t5encoder} architecture, as the t5-v1_1-xxl-encoder GGUF files
 * are; the encoder half of a full {@code t5} file works too). The weights are renamed to the transformers
 * {@code T5EncoderModel} names the safetensors text encoder uses, so the same encoder code runs either, and are
 * dequantized to float32 only when the graph builder asks for one ({@link WeightStore#lazy}): T5-XXL in float32 is
 * 19 GB, its Q8_0 file 5 GB, and the int8 policy turns each block weight back into 1 byte per parameter at once.
 */
public final class T5GgufWeights {
    /** Named in weight-lookup errors, as the safetensors text encoder's store is. */
    public static final String COMPONENT = "text encoder";
    private static final List<String> ARCHITECTURES = List.of("t5encoder", "t5");

    private final T5Config config;
    private final WeightStore weights;
    private final Optional<T5Vocabulary> vocabulary;

    private T5GgufWeights(final T5Config config, final WeightStore weights, final Optional<T5Vocabulary> vocabulary) {
        this.config = config;
        this.weights = weights;
        this.vocabulary = vocabulary;
    }

    /** One GGUF tensor, the transformers name it gets and the numpy shape the config implies for it. */
    public record Mapping(String ggufName, String name, long[] shape) {
    }

    public static T5GgufWeights read(final Path file) {
        return read(GgufFile.open(file));
    }

    public static T5GgufWeights read(final GgufFile file) {
        final T5Config config = config(file);
        // Each layer has nine tensors: a block count beyond that is damage, and would only build a huge mapping list.
        if (config.numLayers() > file.tensors().size() / 9) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "GGUF file " + file.path() + " claims "
                    + config.numLayers() + " encoder blocks but holds only " + file.tensors().size() + " tensors");
        }
        final Map<String, LazyTensor> tensors = new LinkedHashMap<>();
        for (final Mapping mapping : mappings(config)) {
            final GgufTensorInfo info = file.tensor(mapping.ggufName());
            if (!Arrays.equals(info.shape(), mapping.shape())) {
                throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "GGUF file " + file.path() + " tensor '"
                        + info.name() + "' has shape " + Tensor.shapeString(info.shape()) + ", the t5encoder metadata "
                        + "implies " + Tensor.shapeString(mapping.shape()));
            }
            // refused now rather than when the graph builder first asks for the tensor
            file.requireDequantizable(info);
            tensors.put(mapping.name(), LazyTensor.of(DType.F32, info.shape(), () -> file.dequantize(info),
                    () -> file.rawData(info)));
        }
        return new T5GgufWeights(config, WeightStore.lazy(COMPONENT, tensors), vocabulary(file));
    }

    public T5Config config() {
        return config;
    }

    /**
     * The weights under transformers T5EncoderModel names: float32, dequantized at each {@link WeightStore#get} and
     * not kept (see the class comment); their fingerprint bytes are the stored, still quantized, ones.
     */
    public WeightStore weights() {
        return weights;
    }

    /** The SentencePiece vocabulary, when the file carries {@code tokenizer.ggml.tokens}. */
    public Optional<T5Vocabulary> vocabulary() {
        return vocabulary;
    }

    /** The encoder dimensions from the {@code <architecture>.*} metadata. */
    public static T5Config config(final GgufFile file) {
        final GgufMetadata metadata = file.metadata();
        final String architecture = metadata.getString("general.architecture");
        if (!ARCHITECTURES.contains(architecture)) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "GGUF file " + file.path() + " has architecture '"
                    + architecture + "', expected a T5 encoder (" + String.join(" or ", ARCHITECTURES) + ")");
        }
        final String prefix = architecture + ".";
        final int dModel = positive(file, prefix + "embedding_length");
        final int numHeads = positive(file, prefix + "attention.head_count");
        final int vocabSize = metadata.findArray("tokenizer.ggml.tokens").map(GgufArray::length)
                .orElseGet(() -> embeddingRows(file));
        // GGUF stores the epsilon as float32; going through its decimal form gives back the 1e-6 config.json has.
        final double epsilon = metadata.findFloat(prefix + "attention.layer_norm_rms_epsilon")
                .map(f -> Double.parseDouble(Float.toString(f))).orElse(1e-6);
        return new T5Config(
                dModel,
                positive(file, prefix + "block_count"),
                numHeads,
                metadata.findInt(prefix + "attention.key_length").orElse(dModel / numHeads),
                positive(file, prefix + "feed_forward_length"),
                vocabSize,
                metadata.findInt(prefix + "attention.relative_buckets_count").orElse(32),
                metadata.findInt(prefix + "attention.relative_max_distance").orElse(128),
                epsilon,
                "gated-gelu");
    }

    /** Every tensor the encoder needs, with its GGUF name, transformers name and numpy shape. */
    public static List<Mapping> mappings(final T5Config config) {
        final long model = config.dModel();
        final long inner = (long) config.numHeads() * config.dKv();
        final long ff = config.dFf();
        final List<Mapping> out = new ArrayList<>();
        out.add(new Mapping("token_embd.weight", "shared.weight", new long[] {config.vocabSize(), model}));
        for (int i = 0; i < config.numLayers(); i++) {
            final String gguf = "enc.blk." + i + ".";
            final String attention = "encoder.block." + i + ".layer.0.";
            final String feedForward = "encoder.block." + i + ".layer.1.";
            out.add(new Mapping(gguf + "attn_norm.weight", attention + "layer_norm.weight", new long[] {model}));
            for (final String projection : List.of("q", "k", "v")) {
                out.add(new Mapping(gguf + "attn_" + projection + ".weight",
                        attention + "SelfAttention." + projection + ".weight", new long[] {inner, model}));
            }
            out.add(new Mapping(gguf + "attn_o.weight", attention + "SelfAttention.o.weight", new long[] {model, inner}));
            if (i == 0) {
                // T5 shares one relative position bias, owned by the first block.
                out.add(new Mapping(gguf + "attn_rel_b.weight", attention + "SelfAttention.relative_attention_bias.weight",
                        new long[] {config.relativeAttentionNumBuckets(), config.numHeads()}));
            }
            out.add(new Mapping(gguf + "ffn_norm.weight", feedForward + "layer_norm.weight", new long[] {model}));
            // ffn_gate is the GELU-activated wi_0, ffn_up the linear wi_1.
            out.add(new Mapping(gguf + "ffn_gate.weight", feedForward + "DenseReluDense.wi_0.weight", new long[] {ff, model}));
            out.add(new Mapping(gguf + "ffn_up.weight", feedForward + "DenseReluDense.wi_1.weight", new long[] {ff, model}));
            out.add(new Mapping(gguf + "ffn_down.weight", feedForward + "DenseReluDense.wo.weight", new long[] {model, ff}));
        }
        out.add(new Mapping("enc.output_norm.weight", "encoder.final_layer_norm.weight", new long[] {model}));
        return out;
    }

    /** The tokenizer vocabulary, or empty when the file has no {@code tokenizer.ggml.tokens}. */
    public static Optional<T5Vocabulary> vocabulary(final GgufFile file) {
        final GgufMetadata metadata = file.metadata();
        final Optional<List<String>> tokens = metadata.findStringArray("tokenizer.ggml.tokens");
        if (tokens.isEmpty()) {
            return Optional.empty();
        }
        final int size = tokens.get().size();
        final float[] scores = metadata.findFloatArray("tokenizer.ggml.scores").orElseGet(() -> new float[size]);
        final int[] types = metadata.findIntArray("tokenizer.ggml.token_type").orElseGet(() -> filled(size, 1));
        if (scores.length != size || types.length != size) {
            throw GgufParser.corrupt(file.path(), size + " tokens but " + scores.length + " scores and " + types.length
                    + " token types");
        }
        return Optional.of(new T5Vocabulary(tokens.get(), scores, types,
                metadata.findByteArray("tokenizer.ggml.precompiled_charsmap").orElseGet(() -> new byte[0]),
                tokenId(file, "tokenizer.ggml.eos_token_id", 1, size),
                tokenId(file, "tokenizer.ggml.unknown_token_id", 2, size),
                tokenId(file, "tokenizer.ggml.padding_token_id", 0, size),
                metadata.findBoolean("tokenizer.ggml.add_eos_token").orElse(true)));
    }

    private static int[] filled(final int size, final int value) {
        final int[] out = new int[size];
        Arrays.fill(out, value);
        return out;
    }

    /** A special token id, defaulting to the T5 SentencePiece layout (pad 0, eos 1, unk 2). */
    private static int tokenId(final GgufFile file, final String key, final int fallback, final int vocabularySize) {
        final int id = file.metadata().findInt(key).orElse(fallback);
        if (id < 0 || id >= vocabularySize) {
            throw GgufParser.corrupt(file.path(), key + " is " + id + ", outside the " + vocabularySize + "-token vocabulary");
        }
        return id;
    }

    /** The vocabulary size a file without tokenizer metadata implies: the embedding's row count. */
    private static int embeddingRows(final GgufFile file) {
        final long[] shape = file.tensor("token_embd.weight").shape();
        if (shape.length != 2 || shape[0] > Integer.MAX_VALUE) {
            throw GgufParser.corrupt(file.path(), "token_embd.weight has shape " + Tensor.shapeString(shape)
                    + ", expected [vocabulary, embedding]");
        }
        return (int) shape[0];
    }

    private static int positive(final GgufFile file, final String key) {
        final int value = file.metadata().getInt(key);
        if (value <= 0) {
            throw GgufParser.corrupt(file.path(), "metadata '" + key + "' is " + value + ", expected a positive number");
        }
        return value;
    }
}
