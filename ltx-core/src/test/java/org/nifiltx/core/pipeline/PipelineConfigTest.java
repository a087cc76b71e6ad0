package org.nifiltx.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.lora.LoraSpec;
import org.nifiltx.core.schedule.RectifiedFlowConfig;

/** Official pipeline configs (values typed from configs/ltxv-*.yaml) mapped onto requests, and the refusals. */
class PipelineConfigTest {
    /** The structure and values of ltxv-13b-0.9.8-dev.yaml, plus one unknown key at each level. */
    private static final String DEV = """
            pipeline_type: multi-scale
            checkpoint_path: "ltxv-13b-0.9.8-dev.safetensors"
            downscale_factor: 0.6666666
            spatial_upscaler_model_path: "ltxv-spatial-upscaler-0.9.8.safetensors"
            stg_mode: "attention_values" # options: "attention_values", "attention_skip", "residual", "transformer_block"
            decode_timestep: 0.05
            decode_noise_scale: 0.025
            text_encoder_model_name_or_path: "PixArt-alpha/PixArt-XL-2-1024-MS"
            precision: "bfloat16"
            sampler: "from_checkpoint" # options: "uniform", "linear-quadratic", "from_checkpoint"
            prompt_enhancement_words_threshold: 120
            prompt_enhancer_image_caption_model_name_or_path: "MiaoshouAI/Florence-2-large-PromptGen-v2.0"
            prompt_enhancer_llm_model_name_or_path: "unsloth/Llama-3.2-3B-Instruct"
            stochastic_sampling: false
            seed_offset: 3

            first_pass:
              guidance_scale: [1, 1, 6, 8, 6, 1, 1]
              stg_scale: [0, 0, 4, 4, 4, 2, 1]
              rescaling_scale: [1, 1, 0.5, 0.5, 1, 1, 1]
              guidance_timesteps: [1.0, 0.996,  0.9933, 0.9850, 0.9767, 0.9008, 0.6180]
              skip_block_list: [[], [11, 25, 35, 39], [22, 35, 39], [28], [28], [28], [28]]
              num_inference_steps: 30
              skip_final_inference_steps: 3
              cfg_star_rescale: true

            second_pass:
              guidance_scale: [1]
              stg_scale: [1]
              rescaling_scale: [1]
              guidance_timesteps: [1.0]
              skip_block_list: [27]
              num_inference_steps: 30
              skip_initial_inference_steps: 17
              cfg_star_rescale: true
              lora: none
            """;

    @TempDir
    Path dir;

    private Path write(final String yaml) throws IOException {
        final Path file = dir.resolve("configs").resolve("pipeline.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void theDevConfigBecomesTheExpectedRequest() throws IOException {
        final Path file = write(DEV);
        final PipelineConfig config = PipelineConfig.read(file);
        final Path folder = file.toAbsolutePath().getParent();
        assertTrue(config.multiScale());
        assertEquals(Optional.of(0.6666666), config.downscaleFactor());
        assertEquals(Optional.of(0.05), config.decodeTimestep());
        assertEquals(Optional.of(0.025), config.decodeNoiseScale());
        assertEquals(Optional.of(Precision.BF16), config.precision());
        assertEquals(Optional.of(folder.resolve("ltxv-13b-0.9.8-dev.safetensors")), config.checkpoint());
        assertEquals(Optional.of(folder.resolve("ltxv-spatial-upscaler-0.9.8.safetensors")), config.upsampler());
        assertEquals(Optional.of(folder.resolve("PixArt-alpha/PixArt-XL-2-1024-MS")), config.textEncoder());
        assertEquals(List.of("seed_offset", "second_pass.lora"), config.unknownKeys());
        assertEquals(Optional.of("pipeline config " + file + ": ignored unknown keys seed_offset, second_pass.lora"), config.warning());

        final PassSettings first = new PassSettings(30, null, null, new GuidanceSchedule(
                List.of(1.0, 0.996, 0.9933, 0.9850, 0.9767, 0.9008, 0.6180), List.of(1.0, 1.0, 6.0, 8.0, 6.0, 1.0, 1.0),
                List.of(0.0, 0.0, 4.0, 4.0, 4.0, 2.0, 1.0), List.of(1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0),
                List.of(List.of(), List.of(11, 25, 35, 39), List.of(22, 35, 39), List.of(28), List.of(28), List.of(28), List.of(28))),
                0, 3, true, false, 0.0);
        final PassSettings second = new PassSettings(30, null, null, new GuidanceSchedule(List.of(1.0), List.of(1.0), List.of(1.0),
                List.of(1.0), List.of(List.of(27))), 17, 0, true, false, 0.0);
        assertEquals(first, config.firstPass());
        assertEquals(Optional.of(second), config.secondPass());

        final GenerationRequest request = config.applyTo(GenerationRequest.builder().prompt("a fox")).build();
        assertTrue(request.multiScale());
        assertEquals(0.6666666, request.downscaleFactor());
        assertEquals(0.05, request.decodeTimestep());
        assertEquals(0.025, request.decodeNoiseScale());
        assertEquals(first, request.pass(1));
        assertEquals(second, request.pass(2));
        assertEquals(List.of(first, second), request.passes());
        assertEquals(0.0, request.decodeToneMap());
        assertTrue(request.classifierFreeGuidance(), "guidance 6 and 8 in the first pass need the negative prompt");
        assertTrue(request.spatioTemporalGuidance());
        request.validate(32, 8);
    }

    @Test
    void aBaseConfigAppliesItsTopLevelToTheOnlyPass() throws IOException {
        // ltxv-2b-0.9.6-distilled.yaml's sampling keys, with the 0.9.8-distilled second-pass tone map moved to the top
        final PipelineConfig config = PipelineConfig.read(write("""
                pipeline_type: base
                checkpoint_path: "ltxv-2b-0.9.6-distilled-04-25.safetensors"
                guidance_scale: 1
                stg_scale: 0
                rescaling_scale: 1
                num_inference_steps: 8
                stg_mode: "attention_values"
                sampler: "linear-quadratic"
                stochastic_sampling: true
                tone_map_compression_ratio: 0.6
                """));
        assertFalse(config.multiScale());
        assertEquals(Optional.empty(), config.secondPass());
        assertEquals(Optional.empty(), config.decodeTimestep());
        assertEquals(Optional.empty(), config.upsampler());
        assertEquals(List.of(), config.unknownKeys());
        assertEquals(Optional.empty(), config.warning());
        final PassSettings only = new PassSettings(8, null, RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC,
                new GuidanceSchedule(List.of(), List.of(1.0), List.of(0.0), List.of(1.0), List.of(List.of())), 0, 0, false, true, 0.6);
        assertEquals(only, config.firstPass());
        final GenerationRequest request = config.applyTo(GenerationRequest.builder().prompt("a fox")).build();
        assertFalse(request.multiScale());
        assertEquals(0.6, request.decodeToneMap());
        assertFalse(request.classifierFreeGuidance());
        assertNull(request.pass(1).timesteps());
    }

    @Test
    void invalidConfigsAreRefusedWithTheKeyAndTheValue() throws IOException {
        assertRefused(LtxErrorCode.UNSUPPORTED, "stg_mode 'attention_skip' is not supported; only attention_values (the mode of "
                + "every official config) is implemented", "stg_mode: attention_skip\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: stg_mode must be attention_values, attention_skip, residual "
                + "or transformer_block, got 'diagonal'", "stg_mode: diagonal\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: pipeline_type must be base or multi-scale, got 'two-stage'",
                "pipeline_type: two-stage\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: pipeline_type multi-scale needs a second_pass mapping",
                "pipeline_type: multi-scale\nfirst_pass:\n  num_inference_steps: 8\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config first_pass: guidance-scale has 3 values; give 1 or one per "
                + "guidance timestep (2)", "pipeline_type: multi-scale\nfirst_pass:\n  guidance_timesteps: [1.0, 0.9]\n"
                + "  guidance_scale: [1, 2, 3]\nsecond_pass:\n  timesteps: [0.9]\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config second_pass: skip-initial-steps + skip-final-steps must be "
                + "less than steps (30), got 17 + 13", "pipeline_type: multi-scale\nfirst_pass:\n  timesteps: [1.0]\nsecond_pass:\n"
                + "  num_inference_steps: 30\n  skip_initial_inference_steps: 17\n  skip_final_inference_steps: 13\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: skip-initial-steps needs input latents (the multi-scale "
                + "second pass); this pass starts from pure noise", "skip_initial_inference_steps: 2\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: sampler must be uniform, linear-quadratic or "
                + "from_checkpoint, got 'euler'", "sampler: euler\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: tone-map must lie in [0, 1], got 1.5",
                "tone_map_compression_ratio: 1.5\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: first_pass.cfg_star_rescale must be true or false, got \"yes "
                + "please\"", "pipeline_type: multi-scale\nfirst_pass:\n  cfg_star_rescale: yes please\nsecond_pass: {}\n");
        assertRefused(LtxErrorCode.CORRUPT_FILE, "pipeline config " + dir.resolve("configs/pipeline.yaml")
                + " must be a YAML mapping of keys to values", "- just\n- a list\n");
    }

    @Test
    void loraEntriesResolveBesideTheConfig() throws IOException {
        final Path file = write("""
                lora:
                  - loras/style.safetensors:0.8
                  - path: /abs/detail.safetensors
                  - {path: motion.safetensors, scale: -0.25}
                """);
        final Path folder = file.toAbsolutePath().getParent();
        final PipelineConfig config = PipelineConfig.read(file);
        assertEquals(List.of(new LoraSpec(folder.resolve("loras/style.safetensors"), 0.8),
                new LoraSpec(Path.of("/abs/detail.safetensors"), 1.0), new LoraSpec(folder.resolve("motion.safetensors"), -0.25)),
                config.loras());
        assertEquals(List.of(), config.unknownKeys());
        assertEquals(List.of(new LoraSpec(folder.resolve("one.safetensors"), 1.0)),
                PipelineConfig.read(write("lora: one.safetensors\n")).loras());
        assertEquals(List.of(), PipelineConfig.read(write("guidance_scale: 1\n")).loras());
    }

    @Test
    void badLoraEntriesAreRefused() throws IOException {
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: LoRA 'style.safetensors:strong': scale 'strong' is not a "
                + "number; expected FILE[:SCALE], e.g. style.safetensors:0.8", "lora: [style.safetensors:strong]\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: lora entries must be FILE[:SCALE] strings or {path: FILE, "
                + "scale: NUMBER} mappings, got {\"path\":\"a.safetensors\",\"scale\":\"high\"}",
                "lora:\n  - path: a.safetensors\n    scale: high\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: lora entry {\"path\":\"a.safetensors\",\"weight\":1} "
                + "has an unknown key 'weight' (expected path and scale)", "lora:\n  - path: a.safetensors\n    weight: 1\n");
        assertRefused(LtxErrorCode.INVALID_ARGUMENT, "pipeline config: lora entries must be FILE[:SCALE] strings or {path: FILE, "
                + "scale: NUMBER} mappings, got 3", "lora: [3]\n");
    }

    private void assertRefused(final LtxErrorCode code, final String message, final String yaml) throws IOException {
        final Path file = write(yaml);
        final LtxException error = assertThrows(LtxException.class, () -> PipelineConfig.read(file));
        assertEquals(code, error.code(), error.getMessage());
        assertEquals(message, error.getMessage());
    }
}
