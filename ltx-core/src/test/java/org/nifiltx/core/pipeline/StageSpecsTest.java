package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** The per-stage specs a request splits into, what they carry between stages, and the compat-dependent defaults. */
class StageSpecsTest {

    private static String refused(final Runnable check, final LtxErrorCode code) {
        final LtxException e = assertThrows(LtxException.class, check::run);
        assertEquals(code, e.code());
        return e.getMessage();
    }

    @Test
    void theBuildersRescaleAndTokenLengthFollowTheCompat() {
        final GenerationRequest official = GenerationRequest.builder().prompt("p").build();
        assertEquals(0.7, official.rescale());
        assertEquals(256, official.maxLength());
        final GenerationRequest diffusers = GenerationRequest.builder().prompt("p").compat(Compat.DIFFUSERS).build();
        assertEquals(0.0, diffusers.rescale());
        assertEquals(128, diffusers.maxLength());
        final GenerationRequest given = GenerationRequest.builder().prompt("p").compat(Compat.DIFFUSERS).rescale(0.5).maxLength(7)
                .build();
        assertEquals(List.of(0.5, 7.0), List.of(given.rescale(), (double) given.maxLength()));
    }

    @Test
    void thePromptSpecCarriesWhatItWasEncodedFor() {
        final GenerationRequest guided = GenerationRequest.builder().prompt("a fox").negativePrompt("blur").guidanceScale(3)
                .maxLength(32).compat(Compat.DIFFUSERS).build();
        final PromptSpec spec = guided.promptSpec();
        assertEquals(new PromptSpec("a fox", "blur", true, 32, Compat.DIFFUSERS), spec);
        assertEquals(Map.of("ltx.stage", "prompt-embeddings", "ltx.compat", "DIFFUSERS", "ltx.max.length", "32",
                "ltx.negative.embeddings", "true", "ltx.prompt", "a fox", "ltx.negative.prompt", "blur"), spec.metadata());
        // STG reuses the positive prompt: no unconditional row
        final GenerationRequest stg = GenerationRequest.builder().prompt("a fox").guidanceScale(1).stgScale(1)
                .stgBlocks(List.of(0)).build();
        assertEquals(false, stg.promptSpec().classifierFree());
    }

    @Test
    void eachSpecValidatesItsOwnPart() {
        assertEquals("a prompt is required", refused(() -> new PromptSpec(null, null, false, 16, Compat.OFFICIAL).validate(),
                LtxErrorCode.INVALID_ARGUMENT));
        assertEquals("max-length must be at least 1, got 0", refused(() -> new PromptSpec("p", null, false, 0, Compat.OFFICIAL)
                .validate(), LtxErrorCode.INVALID_ARGUMENT));
        // the sampling stage has no prompt of its own: its checks pass without one
        GenerationRequest.builder().numFrames(9).height(64).width(96).build().validate(32, 8);
        final DecodeSpec decode = GenerationRequest.builder().numFrames(9).height(64).width(96).build().decodeSpec();
        assertEquals("num-frames must be 8N+1 (1, 9, 17, ...), got 10", refused(() -> new DecodeSpec(10, 64, 96, 25,
                Compat.OFFICIAL, 0, 0.05, 0.025).validate(32, 8), LtxErrorCode.INVALID_ARGUMENT));
        assertEquals("decode-timestep must lie in [0, 1], got 2.0", refused(() -> decode.withDecoding(2, 0).validate(32, 8),
                LtxErrorCode.INVALID_ARGUMENT));
        decode.validate(32, 8);
    }

    @Test
    void latentsMetadataRoundTripsAndMissingKeysKeepTheGridsValues() {
        final DecodeSpec generated = new DecodeSpec(17, 64, 96, 12.5, Compat.DIFFUSERS, 0.3, 0.05, 0.025);
        final DecodeSpec grid = DecodeSpec.ofLatentGrid(new long[] {1, 16, 3, 2, 3}, 32, 8);
        assertEquals(new DecodeSpec(17, 64, 96, 25, Compat.OFFICIAL, 0, 0.05, 0.025), grid);
        assertEquals(generated, grid.withLatentsMetadata(generated.latentsMetadata()));
        assertEquals(new DecodeSpec(17, 64, 96, 25, Compat.DIFFUSERS, 0, 0.05, 0.025),
                grid.withLatentsMetadata(Map.of("ltx.compat", "diffusers")));
        assertEquals("content metadata ltx.height is '-3', not an integer of at least 1", refused(() -> grid.withLatentsMetadata(
                Map.of("ltx.height", "-3")), LtxErrorCode.INVALID_TENSOR));
        assertNull(StageMetadata.integer64(Map.of(), StageMetadata.SEED));
    }
}
