package org.nifiltx.core.lora;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * One LoRA adapter to merge into the transformer: its file and its strength {@code scale} (1 = as trained; the merged
 * weight is {@code W + scale × alpha/rank × B·A}).
 *
 * @param file  the adapter's {@code .safetensors}
 * @param scale adapter strength; any finite number (negative values subtract the adapter, as ComfyUI allows)
 */
public record LoraSpec(Path file, double scale) {
    /** The text form taken by {@code --lora}, the service property and the pipeline config. */
    public static final String SYNTAX = "FILE[:SCALE]";

    public LoraSpec {
        if (!Double.isFinite(scale)) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "LoRA " + file + ": scale must be a finite number, got " + scale);
        }
    }

    /**
     * Parses {@code FILE[:SCALE]}. The text after the last colon is a scale unless it holds a path separator, so a Windows
     * drive ({@code C:\loras\a.safetensors}) stays part of the path; a scale that is not a number is an error, not a file name.
     */
    public static LoraSpec parse(final String text) {
        final String entry = text == null ? "" : text.strip();
        if (entry.isEmpty()) {
            throw invalid("LoRA entry is empty; expected " + SYNTAX);
        }
        final int colon = entry.lastIndexOf(':');
        final String tail = colon < 0 ? "" : entry.substring(colon + 1);
        if (colon < 0 || tail.contains("/") || tail.contains("\\")) {
            return new LoraSpec(Path.of(entry), 1.0);
        }
        final String file = entry.substring(0, colon).strip();
        if (file.isEmpty()) {
            throw invalid("LoRA '" + entry + "' names no file; expected " + SYNTAX);
        }
        final double scale;
        try {
            scale = Double.parseDouble(tail.strip());
        } catch (final NumberFormatException e) {
            throw invalid("LoRA '" + entry + "': scale '" + tail + "' is not a number; expected " + SYNTAX
                    + ", e.g. style.safetensors:0.8");
        }
        if (!Double.isFinite(scale)) {
            throw invalid("LoRA '" + entry + "': scale must be a finite number, got " + tail);
        }
        return new LoraSpec(Path.of(file), scale);
    }

    /** Parses a comma-separated list of {@code FILE[:SCALE]} (blank: none). */
    public static List<LoraSpec> parseList(final String text) {
        final List<LoraSpec> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (final String part : text.split(",", -1)) {
            out.add(parse(part));
        }
        return List.copyOf(out);
    }

    /** This adapter with a relative file resolved against {@code folder} (pipeline configs name files beside the YAML). */
    public LoraSpec resolvedAgainst(final Path folder) {
        return file.isAbsolute() ? this : new LoraSpec(folder.resolve(file).normalize(), scale);
    }

    /** A {@link LtxErrorCode#FILE_NOT_FOUND} error unless the file exists (checked before any model is loaded). */
    public LoraSpec requireExists() {
        if (!Files.isRegularFile(file)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "LoRA not found: " + file);
        }
        return this;
    }

    @Override
    public String toString() {
        return file + ":" + scale;
    }

    private static LtxException invalid(final String message) {
        return new LtxException(LtxErrorCode.INVALID_ARGUMENT, message);
    }
}
