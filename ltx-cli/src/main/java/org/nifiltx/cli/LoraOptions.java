package org.nifiltx.cli;

import java.util.List;
import org.nifiltx.core.lora.LoraSpec;
import picocli.CommandLine.Option;

/** {@code --lora FILE[:SCALE]}, repeatable: adapters merged into the transformer at load ({@code ltx generate}, {@code ltx run transformer}). */
final class LoraOptions {
    @Option(names = "--lora", paramLabel = "FILE[:SCALE]", description = "LoRA adapter merged into the transformer weights at load "
            + "(diffusers/PEFT, ComfyUI or kohya .safetensors), strength SCALE (default 1); repeatable, applied in order")
    List<String> entries;

    boolean given() {
        return entries != null && !entries.isEmpty();
    }

    /** The adapters, parsed and their files checked, before any model is loaded. */
    List<LoraSpec> specs() {
        return entries == null ? List.of() : entries.stream().map(entry -> LoraSpec.parse(entry).requireExists()).toList();
    }
}
