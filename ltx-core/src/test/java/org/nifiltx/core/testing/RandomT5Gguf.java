package org.nifiltx.core.testing;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nifiltx.core.checkpoint.T5Config;
import org.nifiltx.core.gguf.GgmlType;

/**
 * Streams a random T5 encoder to a GGUF v3 file in llama.cpp's {@code t5encoder} layout, as the t5-v1_1-xxl-encoder
 * Q8_0 files are: Q8_0 (per 32 values an fp16 scale max|x|/127 and 32 int8) for the embedding and every block
 * matrix, F32 for norms and the relative bias. Weights ~ U(±1/√in), norm scales near 1. For memory measurements at
 * real widths, where an in-memory image would be too large; no tokenizer metadata.
 */
public final class RandomT5Gguf {
    private static final int ALIGNMENT = 32;
    private static final int GGUF_UINT32 = 4;
    private static final int GGUF_FLOAT32 = 6;
    private static final int GGUF_STRING = 8;
    private static final int Q8_BLOCK = 32;

    private record Entry(String name, GgmlType type, long[] shape, float scale, float center) {
        /** GGUF dimensions, innermost first. */
        long[] dims() {
            final long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[shape.length - 1 - i];
            }
            return dims;
        }

        long elements() {
            long n = 1;
            for (final long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private RandomT5Gguf() {
    }

    public static void write(final Path file, final T5Config config, final long seed) throws IOException {
        final List<Entry> entries = entries(config);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            final Counter counter = new Counter(out);
            counter.write(GgufBytes.concat("GGUF".getBytes(StandardCharsets.US_ASCII), GgufBytes.u32(3),
                    GgufBytes.u64(entries.size()), GgufBytes.u64(8)));
            kv(counter, "general.architecture", GGUF_STRING, GgufBytes.string("t5encoder"));
            kv(counter, "t5encoder.embedding_length", GGUF_UINT32, GgufBytes.u32(config.dModel()));
            kv(counter, "t5encoder.block_count", GGUF_UINT32, GgufBytes.u32(config.numLayers()));
            kv(counter, "t5encoder.feed_forward_length", GGUF_UINT32, GgufBytes.u32(config.dFf()));
            kv(counter, "t5encoder.attention.head_count", GGUF_UINT32, GgufBytes.u32(config.numHeads()));
            kv(counter, "t5encoder.attention.key_length", GGUF_UINT32, GgufBytes.u32(config.dKv()));
            kv(counter, "t5encoder.attention.relative_buckets_count", GGUF_UINT32,
                    GgufBytes.u32(config.relativeAttentionNumBuckets()));
            kv(counter, "t5encoder.attention.layer_norm_rms_epsilon", GGUF_FLOAT32,
                    GgufBytes.f32((float) config.layerNormEpsilon()));
            long offset = 0;
            for (final Entry e : entries) {
                counter.write(GgufBytes.string(e.name()));
                counter.write(GgufBytes.u32(e.shape().length));
                for (final long d : e.dims()) {
                    counter.write(GgufBytes.u64(d));
                }
                counter.write(GgufBytes.u32(e.type().id()));
                counter.write(GgufBytes.u64(offset));
                offset = align(offset + e.type().byteLength(e.elements()));
            }
            counter.pad();
            final SplittableRandom random = new SplittableRandom(seed);
            for (final Entry e : entries) {
                data(counter, e, random);
                counter.pad();
            }
        }
    }

    private static List<Entry> entries(final T5Config c) {
        final long d = c.dModel();
        final long inner = (long) c.numHeads() * c.dKv();
        final List<Entry> out = new ArrayList<>();
        out.add(new Entry("token_embd.weight", GgmlType.Q8_0, new long[] {c.vocabSize(), d}, 1f, 0f));
        for (int i = 0; i < c.numLayers(); i++) {
            final String blk = "enc.blk." + i + ".";
            out.add(new Entry(blk + "attn_norm.weight", GgmlType.F32, new long[] {d}, 0.1f, 1f));
            for (final String p : List.of("q", "k", "v")) {
                out.add(new Entry(blk + "attn_" + p + ".weight", GgmlType.Q8_0, new long[] {inner, d}, inverseRoot(d), 0f));
            }
            out.add(new Entry(blk + "attn_o.weight", GgmlType.Q8_0, new long[] {d, inner}, inverseRoot(inner), 0f));
            if (i == 0) {
                out.add(new Entry(blk + "attn_rel_b.weight", GgmlType.F32,
                        new long[] {c.relativeAttentionNumBuckets(), c.numHeads()}, 1f, 0f));
            }
            out.add(new Entry(blk + "ffn_norm.weight", GgmlType.F32, new long[] {d}, 0.1f, 1f));
            out.add(new Entry(blk + "ffn_gate.weight", GgmlType.Q8_0, new long[] {c.dFf(), d}, inverseRoot(d), 0f));
            out.add(new Entry(blk + "ffn_up.weight", GgmlType.Q8_0, new long[] {c.dFf(), d}, inverseRoot(d), 0f));
            out.add(new Entry(blk + "ffn_down.weight", GgmlType.Q8_0, new long[] {d, c.dFf()}, inverseRoot(c.dFf()), 0f));
        }
        out.add(new Entry("enc.output_norm.weight", GgmlType.F32, new long[] {d}, 0.1f, 1f));
        return out;
    }

    private static float inverseRoot(final long n) {
        return (float) (1 / Math.sqrt(n));
    }

    private static void data(final Counter out, final Entry e, final SplittableRandom random) throws IOException {
        final long n = e.elements();
        if (e.type() == GgmlType.F32) {
            final ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < n; i++) {
                b.putFloat(value(e, random));
            }
            out.write(b.array());
            return;
        }
        final float[] block = new float[Q8_BLOCK];
        final ByteBuffer b = ByteBuffer.allocate(2 + Q8_BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        for (long start = 0; start < n; start += Q8_BLOCK) {
            float max = 0;
            for (int j = 0; j < Q8_BLOCK; j++) {
                block[j] = value(e, random);
                max = Math.max(max, Math.abs(block[j]));
            }
            final float scale = max / 127f;
            final float inverse = scale > 0 ? 1f / scale : 0f;
            b.clear();
            b.putShort(Float.floatToFloat16(scale));
            for (int j = 0; j < Q8_BLOCK; j++) {
                b.put((byte) Math.round(block[j] * inverse));
            }
            out.write(b.array());
        }
    }

    private static float value(final Entry e, final SplittableRandom random) {
        return e.center() + (float) ((random.nextDouble() * 2 - 1) * e.scale());
    }

    private static long align(final long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void kv(final Counter out, final String key, final int type, final byte[] value) throws IOException {
        out.write(GgufBytes.string(key));
        out.write(GgufBytes.u32(type));
        out.write(value);
    }

    /** An output stream that knows its position, to pad to the alignment. */
    private static final class Counter {
        private final OutputStream out;
        private long written;

        Counter(final OutputStream out) {
            this.out = out;
        }

        void write(final byte[] bytes) throws IOException {
            out.write(bytes);
            written += bytes.length;
        }

        void pad() throws IOException {
            while (written % ALIGNMENT != 0) {
                out.write(0);
                written++;
            }
        }
    }
}
