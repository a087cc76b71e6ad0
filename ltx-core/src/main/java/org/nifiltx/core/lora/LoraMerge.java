package org.nifiltx.core.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;

/**
 * Merges LoRA adapters into the transformer weights once, at load: {@code W' = W + Σ scale × alpha/rank × B·A} per
 * adapted linear layer (diffusers' {@code fuse_lora}, ComfyUI's patching). The sum is computed in float32 and the merged
 * weights stay float32 even where the checkpoint stores bf16 or fp8 (upcast, merge, keep: rounding the merged weight
 * back would lose most of a small adapter's delta). Inference then runs the plain graph at unchanged speed, and every
 * precision (int8, bf16 storage) applies to the merged weights as to any checkpoint's.
 */
public final class LoraMerge {
    private LoraMerge() {
    }

    /** {@code checkpoint} with {@code loras} merged into its transformer (itself when there are none). */
    public static LtxCheckpoint apply(final LtxCheckpoint checkpoint, final List<LoraSpec> loras) {
        return loras.isEmpty() ? checkpoint : checkpoint.withTransformerWeights(merge(checkpoint.transformerWeights(), loras));
    }

    /**
     * The weights with every adapter merged, in order. Each adapter is checked whole before anything is merged: modules
     * this transformer lacks, or whose weight is not [out, in] of the pair, fail as {@link LtxErrorCode#CHECKPOINT_MISMATCH}
     * naming the first few.
     */
    public static WeightStore merge(final WeightStore base, final List<LoraSpec> loras) {
        if (loras.isEmpty()) {
            return base;
        }
        final List<LoraAdapter> adapters = check(base, loras);
        final Map<String, float[]> merged = new LinkedHashMap<>();
        final List<String> applied = new ArrayList<>();
        for (int i = 0; i < loras.size(); i++) {
            final LoraSpec spec = loras.get(i);
            final LoraAdapter adapter = adapters.get(i);
            for (final LoraAdapter.Module module : adapter.modules().values()) {
                final String key = module.name() + ".weight";
                final float[] weight = merged.computeIfAbsent(key, k -> base.get(k).toFloatArray());
                addProduct(weight, module, (float) (spec.scale() * module.alphaOverRank()));
            }
            applied.add(adapter.file().getFileName() + " (" + size(adapter) + " bytes, " + adapter.format() + ") x" + spec.scale());
        }
        final Map<String, Tensor> replacements = new LinkedHashMap<>();
        merged.forEach((key, values) -> replacements.put(key, Tensor.ofFloats(base.get(key).shape(), values)));
        final String variant = (base.variant().isEmpty() ? "" : base.variant() + " + ") + "lora " + String.join(" + ", applied);
        return base.withReplaced(replacements, variant);
    }

    /**
     * Reads every adapter and checks it against {@code base} without merging (what a configuration check can afford);
     * the errors are those of {@link #merge}.
     */
    public static List<LoraAdapter> check(final WeightStore base, final List<LoraSpec> loras) {
        final List<LoraAdapter> adapters = new ArrayList<>();
        for (final LoraSpec spec : loras) {
            final LoraAdapter adapter = LoraAdapter.read(spec.file());
            requireFits(base, adapter);
            adapters.add(adapter);
        }
        return List.copyOf(adapters);
    }

    private static void requireFits(final WeightStore base, final LoraAdapter adapter) {
        final List<String> missing = new ArrayList<>();
        final List<String> misshapen = new ArrayList<>();
        for (final LoraAdapter.Module module : adapter.modules().values()) {
            final String key = module.name() + ".weight";
            if (!base.contains(key)) {
                missing.add(key);
                continue;
            }
            final long[] shape = base.get(key).shape();
            final long out = module.up().dim(0);
            final long in = module.down().dim(1);
            if (shape.length != 2 || shape[0] != out || shape[1] != in) {
                misshapen.add(key + " (LoRA " + Tensor.shapeString(new long[] {out, in}) + ", weight " + Tensor.shapeString(shape) + ")");
            }
        }
        final int total = adapter.modules().size();
        final String head = "LoRA " + adapter.file() + " does not fit this transformer: ";
        if (!missing.isEmpty()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, head + missing.size() + " of " + total
                    + " adapted modules have no weight here (a LoRA for another model?): " + LoraAdapter.listed(missing));
        }
        if (!misshapen.isEmpty()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, head + misshapen.size() + " of " + total
                    + " adapted modules have another shape: " + LoraAdapter.listed(misshapen));
        }
    }

    /**
     * {@code weight[o, :] += factor × (up · down)[o, :]}, as the reference orders it: the row of B·A first, then scaled
     * and added once. Rows run in parallel (a 13B model has 384 adapted layers).
     */
    private static void addProduct(final float[] weight, final LoraAdapter.Module module, final float factor) {
        final float[] down = module.down().toFloatArray();
        final float[] up = module.up().toFloatArray();
        final int rank = (int) module.rank();
        final int in = (int) module.down().dim(1);
        IntStream.range(0, (int) module.up().dim(0)).parallel().forEach(o -> {
            final float[] delta = new float[in];
            for (int k = 0; k < rank; k++) {
                final float b = up[o * rank + k];
                final int from = k * in;
                for (int j = 0; j < in; j++) {
                    delta[j] += b * down[from + j];
                }
            }
            final int row = o * in;
            for (int j = 0; j < in; j++) {
                weight[row + j] += factor * delta[j];
            }
        });
    }

    private static long size(final LoraAdapter adapter) {
        try {
            return Files.size(adapter.file());
        } catch (final IOException e) {
            return -1; // only names the variant; the merged weights themselves are hashed by the caches
        }
    }
}
