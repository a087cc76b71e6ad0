package org.nifiltx.core.lora;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * A LoRA file read into per-module low-rank pairs under canonical module names, in any of the spellings
 * {@link LoraKey} accepts, with the scaling each module carries:
 * <ul>
 * <li>kohya {@code .alpha} scalar: {@code alpha / rank} with rank = lora_down rows (ComfyUI's rule);</li>
 * <li>else diffusers' {@code lora_adapter_metadata}: {@code lora_alpha / r} (see {@link PeftScaling});</li>
 * <li>else 1 (alpha = rank: ComfyUI and diffusers both read a file without alpha so).</li>
 * </ul>
 */
public final class LoraAdapter {
    /** How many offending keys an error lists before it gives only the count. */
    static final int LISTED = 5;

    /**
     * One adapted linear layer: its weight becomes {@code W + scale × alphaOverRank × up · down}.
     *
     * @param down          lora_A / lora_down [rank, in]
     * @param up            lora_B / lora_up [out, rank]
     * @param alphaOverRank the file's own scaling of this module
     */
    public record Module(String name, Tensor down, Tensor up, double alphaOverRank) {
        public long rank() {
            return down.dim(0);
        }
    }

    private final Path file;
    private final String format;
    private final Map<String, Module> modules;

    private LoraAdapter(final Path file, final String format, final Map<String, Module> modules) {
        this.file = file;
        this.format = format;
        this.modules = Collections.unmodifiableMap(modules);
    }

    /**
     * Reads {@code file}. A broken safetensors file, a module without its pair or with pair shapes that do not chain is
     * {@link LtxErrorCode#CORRUPT_FILE}; keys that are no transformer LoRA tensor (another model's LoRA, full-weight
     * diffs) are {@link LtxErrorCode#CHECKPOINT_MISMATCH}, listed.
     */
    public static LoraAdapter read(final Path file) {
        final TensorBundle bundle = SafeTensors.read(file);
        final String source = "LoRA " + file;
        final Map<String, Map<LoraKey.Role, Tensor>> parts = new TreeMap<>();
        final java.util.SortedSet<String> unknown = new java.util.TreeSet<>(); // sorted: a stable message
        boolean kohya = false;
        for (final Map.Entry<String, Tensor> e : bundle.tensors().entrySet()) {
            final LoraKey key = LoraKey.parse(e.getKey());
            if (key == null) {
                unknown.add(e.getKey());
                continue;
            }
            kohya |= LoraKey.kohyaStyle(e.getKey());
            parts.computeIfAbsent(key.module(), m -> new LinkedHashMap<>()).put(key.role(), e.getValue());
        }
        if (!unknown.isEmpty()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " holds " + unknown.size() + " of "
                    + bundle.tensors().size() + " tensors that are no LTX-Video transformer LoRA weights (expected "
                    + "transformer.<module>.lora_A/lora_B.weight or diffusion_model.<module>.lora_A/lora_B.weight, "
                    + "lora_down/lora_up.weight and .alpha): " + listed(unknown));
        }
        if (parts.isEmpty()) {
            throw new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, source + " holds no LoRA tensors");
        }
        final Double metadataScaling = PeftScaling.alphaOverRank(bundle.metadata(), source);
        final Map<String, Module> modules = new LinkedHashMap<>();
        final List<String> broken = new ArrayList<>();
        for (final Map.Entry<String, Map<LoraKey.Role, Tensor>> e : parts.entrySet()) {
            final String problem = problem(e.getValue());
            if (problem != null) {
                broken.add(e.getKey() + " (" + problem + ")");
                continue;
            }
            final Tensor down = e.getValue().get(LoraKey.Role.DOWN);
            final Tensor alpha = e.getValue().get(LoraKey.Role.ALPHA);
            final double scaling = alpha != null ? alpha.toFloatArray()[0] / down.dim(0)
                    : metadataScaling != null ? metadataScaling : 1.0;
            modules.put(e.getKey(), new Module(e.getKey(), down, e.getValue().get(LoraKey.Role.UP), scaling));
        }
        if (!broken.isEmpty()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, source + " has " + broken.size() + " malformed modules: "
                    + listed(broken));
        }
        final String format = kohya ? "kohya lora_down/lora_up" : bundle.metadata().containsKey(PeftScaling.METADATA_KEY)
                ? "diffusers/PEFT" : "lora_A/lora_B";
        return new LoraAdapter(file, format, modules);
    }

    /** Why one module's tensors are unusable, or null when they form a pair [out, r] · [r, in] (+ a scalar alpha). */
    private static String problem(final Map<LoraKey.Role, Tensor> tensors) {
        final Tensor down = tensors.get(LoraKey.Role.DOWN);
        final Tensor up = tensors.get(LoraKey.Role.UP);
        final Tensor alpha = tensors.get(LoraKey.Role.ALPHA);
        if (down == null || up == null) {
            return down == null ? "no lora_A/lora_down" : "no lora_B/lora_up";
        }
        if (down.rank() != 2 || up.rank() != 2 || down.dim(0) != up.dim(1) || down.dim(0) < 1) {
            return "lora_B " + Tensor.shapeString(up.shape()) + " and lora_A " + Tensor.shapeString(down.shape())
                    + " do not chain as [out, r] · [r, in]";
        }
        if (!down.dtype().isFloatingPoint() || !up.dtype().isFloatingPoint()) {
            return "dtype " + down.dtype() + "/" + up.dtype() + " is not floating point";
        }
        if (alpha != null && (alpha.numel() != 1 || !alpha.dtype().isFloatingPoint() || !Float.isFinite(alpha.toFloatArray()[0]))) {
            return "alpha " + Tensor.shapeString(alpha.shape()) + " " + alpha.dtype() + " is not one finite number";
        }
        return null;
    }

    /** The first {@value #LISTED} items, then how many more. */
    static String listed(final java.util.Collection<String> items) {
        final String head = String.join(", ", items.stream().limit(LISTED).toList());
        return items.size() > LISTED ? head + " (+" + (items.size() - LISTED) + " more)" : head;
    }

    public Path file() {
        return file;
    }

    /** "diffusers/PEFT", "lora_A/lora_B" (ComfyUI / official) or "kohya lora_down/lora_up", for logs. */
    public String format() {
        return format;
    }

    /** The adapted modules by canonical name, sorted. */
    public Map<String, Module> modules() {
        return modules;
    }
}
