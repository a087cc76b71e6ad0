package org.nifiltx.core.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.DType;
import org.nifiltx.core.tensor.FloatFormats;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.core.testing.Parity;
import org.nifiltx.core.testing.TinyFixtures;

/** Reading the three LoRA spellings of the fixture and merging them; the transformer outputs are checked in ltx-onnx. */
class LoraMergeTest {
    private static final String Q = "transformer_blocks.0.attn1.to_q.weight";
    private static final WeightStore BASE = LtxCheckpoint.open(TinyFixtures.path("model/ltxv-tiny.safetensors")).transformerWeights();

    @TempDir
    Path dir;

    private static Path lora(final String name) {
        return TinyFixtures.path("model/lora/" + name);
    }

    @Test
    void eachSpellingCarriesItsScaling() {
        final LoraAdapter diffusers = LoraAdapter.read(lora("ltx-lora-diffusers.safetensors"));
        final LoraAdapter comfy = LoraAdapter.read(lora("ltx-lora-comfy.safetensors"));
        final LoraAdapter kohya = LoraAdapter.read(lora("ltx-lora-comfy-alpha.safetensors"));
        assertEquals("diffusers/PEFT", diffusers.format());
        assertEquals("lora_A/lora_B", comfy.format());
        assertEquals("kohya lora_down/lora_up", kohya.format());
        // 2 blocks x (attn1, attn2: q, k, v, out) + (ff.net.0.proj, ff.net.2), named as the checkpoint names them
        assertEquals(20, diffusers.modules().size());
        assertEquals(diffusers.modules().keySet(), comfy.modules().keySet());
        assertEquals(diffusers.modules().keySet(), kohya.modules().keySet());
        final LoraAdapter.Module q = diffusers.modules().get("transformer_blocks.0.attn1.to_q");
        assertEquals(4, q.rank());
        assertEquals(2.0, q.alphaOverRank(), "metadata lora_alpha 8 / r 4");
        assertEquals(1.0, comfy.modules().get("transformer_blocks.0.attn1.to_q").alphaOverRank(), "no alpha: alpha = rank");
        assertEquals(2.0, kohya.modules().get("transformer_blocks.0.attn1.to_q").alphaOverRank(), ".alpha 8 / lora_down rows 4");
    }

    @Test
    void theThreeSpellingsMergeToTheSameWeights() {
        final WeightStore diffusers = LoraMerge.merge(BASE, List.of(new LoraSpec(lora("ltx-lora-diffusers.safetensors"), 0.75)));
        final WeightStore comfy = LoraMerge.merge(BASE, List.of(new LoraSpec(lora("ltx-lora-comfy.safetensors"), 0.75)));
        final WeightStore kohya = LoraMerge.merge(BASE, List.of(new LoraSpec(lora("ltx-lora-comfy-alpha.safetensors"), 0.75)));
        for (final String key : diffusers.keys()) {
            Parity.assertClose(diffusers.get(key), comfy.get(key), "comfy " + key);
            Parity.assertClose(diffusers.get(key), kohya.get(key), "kohya " + key);
        }
        // the merge changed the adapted weight, in float32, and left the others as they were
        assertEquals(DType.F32, diffusers.get(Q).dtype());
        final double change = Parity.relativeError(BASE.get(Q), diffusers.get(Q));
        assertTrue(change > 1e-2, "to_q changed by only " + change);
        assertSame(BASE.get("transformer_blocks.0.attn1.to_q.bias"), diffusers.get("transformer_blocks.0.attn1.to_q.bias"));
        assertEquals("lora ltx-lora-diffusers.safetensors (33272 bytes, diffusers/PEFT) x0.75", diffusers.variant());
        assertEquals("", BASE.variant());
    }

    @Test
    void mergedDeltaIsScaleTimesAlphaOverRankTimesBA() {
        final Path file = write("one.safetensors", Map.of(
                "diffusion_model." + Q.replace(".weight", ".lora_down.weight"), Tensor.ofFloats(new long[] {1, 32}, ramp(32, 0.01f)),
                "diffusion_model." + Q.replace(".weight", ".lora_up.weight"), Tensor.ofFloats(new long[] {32, 1}, ramp(32, -0.02f)),
                "diffusion_model." + Q.replace(".weight", ".alpha"), Tensor.ofFloats(new long[0], new float[] {3f})), Map.of());
        final float[] merged = LoraMerge.merge(BASE, List.of(new LoraSpec(file, 0.5))).get(Q).toFloatArray();
        final float[] base = BASE.get(Q).toFloatArray();
        // W[o, j] + 0.5 * (3 / 1) * up[o] * down[j] at o = 5, j = 7
        final float expected = base[5 * 32 + 7] + 0.5f * 3f * (5 * -0.02f) * (7 * 0.01f);
        assertEquals(expected, merged[5 * 32 + 7], 1e-7f);
    }

    @Test
    void narrowBaseWeightsAreUpcastMergedAndKeptFloat32() {
        final float[] w = BASE.get(Q).toFloatArray();
        final byte[] bf16 = new byte[2 * w.length];
        final float[] rounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            final short bits = FloatFormats.floatToBf16(w[i]);
            bf16[2 * i] = (byte) bits;
            bf16[2 * i + 1] = (byte) (bits >> 8);
            rounded[i] = FloatFormats.bf16ToFloat(bits);
        }
        final WeightStore narrow = BASE.withReplaced(Map.of(Q, Tensor.ofBytes(DType.BF16, BASE.get(Q).shape(), bf16)), "");
        final WeightStore rounded32 = BASE.withReplaced(Map.of(Q, Tensor.ofFloats(BASE.get(Q).shape(), rounded)), "");
        final List<LoraSpec> lora = List.of(new LoraSpec(lora("ltx-lora-diffusers.safetensors"), 0.75));
        final Tensor merged = LoraMerge.merge(narrow, lora).get(Q);
        assertEquals(DType.F32, merged.dtype());
        assertArrayEquals(LoraMerge.merge(rounded32, lora).get(Q).toFloatArray(), merged.toFloatArray());
    }

    @Test
    void adaptersAddUpAndOpposedScalesCancel() {
        final Path a = lora("ltx-lora-diffusers.safetensors");
        final WeightStore twice = LoraMerge.merge(BASE, List.of(new LoraSpec(a, 0.5), new LoraSpec(a, -0.5)));
        Parity.assertClose(BASE.get(Q), twice.get(Q), "+0.5 then -0.5");
        assertEquals("lora ltx-lora-diffusers.safetensors (33272 bytes, diffusers/PEFT) x0.5 + ltx-lora-diffusers.safetensors "
                + "(33272 bytes, diffusers/PEFT) x-0.5", twice.variant());
        assertSame(BASE, LoraMerge.merge(BASE, List.of()));
    }

    @Test
    void aLoraOfAnotherModelListsTheModulesThisTransformerLacks() {
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int block = 0; block < 10; block++) {
            final String module = "transformer.transformer_blocks." + block + ".attn1.to_q.";
            tensors.put(module + "lora_A.weight", Tensor.ofFloats(new long[] {1, 32}, new float[32]));
            tensors.put(module + "lora_B.weight", Tensor.ofFloats(new long[] {32, 1}, new float[32]));
        }
        final Path file = write("other.safetensors", tensors, Map.of());
        final LtxException e = assertThrows(LtxException.class, () -> LoraMerge.merge(BASE, List.of(new LoraSpec(file, 1))));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("LoRA " + file + " does not fit this transformer: 8 of 10 adapted modules have no weight here (a LoRA for "
                + "another model?): transformer_blocks.2.attn1.to_q.weight, transformer_blocks.3.attn1.to_q.weight, "
                + "transformer_blocks.4.attn1.to_q.weight, transformer_blocks.5.attn1.to_q.weight, "
                + "transformer_blocks.6.attn1.to_q.weight (+3 more)", e.getMessage());
    }

    @Test
    void aLoraOfAnotherWidthNamesTheShapes() {
        final Path file = write("wide.safetensors", Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {1, 64}, new float[64]),
                "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", Tensor.ofFloats(new long[] {64, 1}, new float[64])),
                Map.of());
        final LtxException e = assertThrows(LtxException.class, () -> LoraMerge.merge(BASE, List.of(new LoraSpec(file, 1))));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("LoRA " + file + " does not fit this transformer: 1 of 1 adapted modules have another shape: "
                + "transformer_blocks.0.attn1.to_q.weight (LoRA [64, 64], weight [32, 32])", e.getMessage());
    }

    @Test
    void tensorsOfAnotherFormatAreListed() {
        final Path file = write("sd.safetensors", Map.of(
                "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", Tensor.ofFloats(new long[] {1, 4}, new float[4]),
                "transformer.transformer_blocks.0.attn1.to_q.diff", Tensor.ofFloats(new long[] {32, 32}, new float[1024])), Map.of());
        final LtxException e = assertThrows(LtxException.class, () -> LoraAdapter.read(file));
        assertEquals(LtxErrorCode.CHECKPOINT_MISMATCH, e.code());
        assertEquals("LoRA " + file + " holds 2 of 2 tensors that are no LTX-Video transformer LoRA weights (expected "
                + "transformer.<module>.lora_A/lora_B.weight or diffusion_model.<module>.lora_A/lora_B.weight, lora_down/lora_up.weight "
                + "and .alpha): lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight, "
                + "transformer.transformer_blocks.0.attn1.to_q.diff", e.getMessage());
    }

    @Test
    void corruptAdaptersFailAsCorruptFiles() throws IOException {
        final byte[] bytes = Files.readAllBytes(lora("ltx-lora-diffusers.safetensors"));
        final Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        final LtxException cut = assertThrows(LtxException.class, () -> LoraMerge.merge(BASE, List.of(new LoraSpec(truncated, 1))));
        assertEquals(LtxErrorCode.CORRUPT_FILE, cut.code());
        assertTrue(cut.getMessage().startsWith("corrupt safetensors file " + truncated + ": "), cut.getMessage());

        final Path unpaired = write("unpaired.safetensors", Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {1, 32}, new float[32]),
                "transformer.transformer_blocks.0.attn1.to_k.lora_A.weight", Tensor.ofFloats(new long[] {2, 32}, new float[64]),
                "transformer.transformer_blocks.0.attn1.to_k.lora_B.weight", Tensor.ofFloats(new long[] {32, 1}, new float[32])),
                Map.of());
        final LtxException broken = assertThrows(LtxException.class, () -> LoraAdapter.read(unpaired));
        assertEquals(LtxErrorCode.CORRUPT_FILE, broken.code());
        assertEquals("LoRA " + unpaired + " has 2 malformed modules: transformer_blocks.0.attn1.to_k (lora_B [32, 1] and lora_A "
                + "[2, 32] do not chain as [out, r] · [r, in]), transformer_blocks.0.attn1.to_q (no lora_B/lora_up)", broken.getMessage());

        final Path badMetadata = write("meta.safetensors", Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {1, 32}, new float[32]),
                "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", Tensor.ofFloats(new long[] {32, 1}, new float[32])),
                Map.of("lora_adapter_metadata", "{\"transformer.r\": 1, \"transformer.alpha_pattern\": {\"to_q\": 4}}"));
        final LtxException pattern = assertThrows(LtxException.class, () -> LoraAdapter.read(badMetadata));
        assertEquals(LtxErrorCode.UNSUPPORTED, pattern.code());
        assertEquals("LoRA " + badMetadata + ": per-module alpha_pattern {\"to_q\":4} is not supported; only one rank and alpha "
                + "for every module", pattern.getMessage());
    }

    @Test
    void metadataWithoutAlphaMeansAlphaEqualsRankAndRsLoraUsesTheRoot() {
        final Map<String, Tensor> pair = Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", Tensor.ofFloats(new long[] {4, 32}, new float[128]),
                "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", Tensor.ofFloats(new long[] {32, 4}, new float[128]));
        assertEquals(1.0, LoraAdapter.read(write("r.safetensors", pair, Map.of("lora_adapter_metadata", "{\"transformer.r\": 4}")))
                .modules().get("transformer_blocks.0.attn1.to_q").alphaOverRank());
        assertEquals(4.0, LoraAdapter.read(write("rs.safetensors", pair, Map.of("lora_adapter_metadata",
                "{\"transformer.r\": 4, \"transformer.lora_alpha\": 8, \"transformer.use_rslora\": true}")))
                .modules().get("transformer_blocks.0.attn1.to_q").alphaOverRank(), "8 / sqrt(4)");
    }

    private Path write(final String name, final Map<String, Tensor> tensors, final Map<String, String> metadata) {
        final Path file = dir.resolve(name);
        SafeTensors.write(file, new TensorBundle(tensors, metadata));
        return file;
    }

    private static float[] ramp(final int n, final float step) {
        final float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = i * step;
        }
        return out;
    }
}
