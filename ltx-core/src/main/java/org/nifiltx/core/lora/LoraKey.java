package org.nifiltx.core.lora;

import java.util.List;
import org.nifiltx.core.checkpoint.KeyRenames;

/**
 * One tensor name of a LoRA file split into the transformer module it adapts (canonical, i.e. Lightricks-original
 * name) and its role. Accepted spellings, by the tools that write them:
 * <ul>
 * <li>diffusers / PEFT ({@code LTXPipeline.save_lora_weights}): {@code transformer.<diffusers module>.lora_A.weight} /
 * {@code .lora_B.weight}; raw PEFT saves use {@code base_model.model.} instead of {@code transformer.};</li>
 * <li>ComfyUI / official Lightricks: {@code diffusion_model.<module>.lora_A.weight} / {@code .lora_B.weight};</li>
 * <li>kohya style: {@code diffusion_model.<module>.lora_down.weight} / {@code .lora_up.weight} / {@code .alpha}.</li>
 * </ul>
 * Module names go through the original ↔ diffusers rename table either way (the renamed modules, e.g. {@code proj_in},
 * never occur in original names, so the mapping is safe on both).
 *
 * @param module canonical module path, e.g. {@code transformer_blocks.0.attn1.to_q}
 * @param role   which tensor of the pair this is
 */
record LoraKey(String module, Role role) {
    /** lora_A/lora_down [rank, in], lora_B/lora_up [out, rank], the kohya alpha scalar. */
    enum Role {
        DOWN, UP, ALPHA
    }

    private static final List<String> PREFIXES = List.of("transformer.", "base_model.model.", "model.diffusion_model.",
            "diffusion_model.");
    private static final List<Suffix> SUFFIXES = List.of(new Suffix(".lora_A.weight", Role.DOWN),
            new Suffix(".lora_B.weight", Role.UP), new Suffix(".lora_down.weight", Role.DOWN),
            new Suffix(".lora_up.weight", Role.UP), new Suffix(".alpha", Role.ALPHA));

    private record Suffix(String text, Role role) {
    }

    /** The parsed key, or null when {@code key} is not a transformer LoRA tensor in any accepted spelling. */
    static LoraKey parse(final String key) {
        final String prefix = PREFIXES.stream().filter(key::startsWith).findFirst().orElse(null);
        if (prefix == null) {
            return null;
        }
        final String rest = key.substring(prefix.length());
        for (final Suffix suffix : SUFFIXES) {
            if (rest.endsWith(suffix.text()) && rest.length() > suffix.text().length()) {
                final String module = rest.substring(0, rest.length() - suffix.text().length());
                return new LoraKey(KeyRenames.transformerToOriginal(module), suffix.role());
            }
        }
        return null;
    }

    /** Whether the file uses kohya's names (lora_down / lora_up), for the format description. */
    static boolean kohyaStyle(final String key) {
        return key.endsWith(".lora_down.weight") || key.endsWith(".lora_up.weight");
    }
}
