package org.nifiltx.core.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

class LoraSpecTest {
    @Test
    void parsesFileAndOptionalScale() {
        assertEquals(new LoraSpec(Path.of("style.safetensors"), 1.0), LoraSpec.parse("style.safetensors"));
        assertEquals(new LoraSpec(Path.of("loras/style.safetensors"), 0.75), LoraSpec.parse(" loras/style.safetensors:0.75 "));
        assertEquals(new LoraSpec(Path.of("style.safetensors"), -0.5), LoraSpec.parse("style.safetensors:-0.5"));
        // a drive letter is part of the path, not a scale
        assertEquals(new LoraSpec(Path.of("C:\\loras\\a.safetensors"), 1.0), LoraSpec.parse("C:\\loras\\a.safetensors"));
        assertEquals(new LoraSpec(Path.of("C:\\loras\\a.safetensors"), 2.0), LoraSpec.parse("C:\\loras\\a.safetensors:2"));
        assertEquals(List.of(new LoraSpec(Path.of("a.safetensors"), 1.0), new LoraSpec(Path.of("b.safetensors"), 0.5)),
                LoraSpec.parseList("a.safetensors, b.safetensors:0.5"));
        assertEquals(List.of(), LoraSpec.parseList("  "));
    }

    @Test
    void badEntriesAreNamed() {
        assertInvalid("LoRA 'style.safetensors:strong': scale 'strong' is not a number; expected FILE[:SCALE], "
                + "e.g. style.safetensors:0.8", "style.safetensors:strong");
        assertInvalid("LoRA entry is empty; expected FILE[:SCALE]", " ");
        assertInvalid("LoRA ':0.5' names no file; expected FILE[:SCALE]", ":0.5");
        assertInvalid("LoRA 'a.safetensors:NaN': scale must be a finite number, got NaN", "a.safetensors:NaN");
        final LtxException empty = assertThrows(LtxException.class, () -> LoraSpec.parseList("a.safetensors,,b.safetensors"));
        assertEquals("LoRA entry is empty; expected FILE[:SCALE]", empty.getMessage());
    }

    @Test
    void relativeFilesResolveAgainstAFolder() {
        assertEquals(new LoraSpec(Path.of("/configs/loras/a.safetensors"), 0.5),
                new LoraSpec(Path.of("loras/a.safetensors"), 0.5).resolvedAgainst(Path.of("/configs")));
        assertEquals(new LoraSpec(Path.of("/abs/a.safetensors"), 1.0),
                new LoraSpec(Path.of("/abs/a.safetensors"), 1.0).resolvedAgainst(Path.of("/configs")));
        final LtxException missing = assertThrows(LtxException.class, () -> LoraSpec.parse("/no/such.safetensors").requireExists());
        assertEquals(LtxErrorCode.FILE_NOT_FOUND, missing.code());
        assertEquals("LoRA not found: /no/such.safetensors", missing.getMessage());
    }

    private static void assertInvalid(final String message, final String text) {
        final LtxException e = assertThrows(LtxException.class, () -> LoraSpec.parse(text));
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals(message, e.getMessage());
    }
}
