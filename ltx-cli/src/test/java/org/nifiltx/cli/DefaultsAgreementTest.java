package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nifiltx.core.pipeline.Compat;
import org.nifiltx.core.pipeline.Defaults;
import org.nifiltx.core.pipeline.GenerationRequest;
import org.nifiltx.core.pipeline.GuidanceSchedule;
import org.nifiltx.core.pipeline.PipelineConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ltx generate} with nothing but a prompt asks for what {@link Defaults} says, which the NiFi processors'
 * property defaults are checked against too (LtxDefaultsTest); a pipeline config's absent keys are the official call's.
 */
class DefaultsAgreementTest {
    @TempDir
    Path temporary;

    private static GenerateCommand parsed(final String... extra) {
        final GenerateCommand command = new GenerateCommand();
        final CommandLine line = new CommandLine(command);
        final List<String> args = new java.util.ArrayList<>(List.of("--prompt", "a fox", "--model", "m.safetensors", "--output",
                "o.mp4"));
        args.addAll(List.of(extra));
        line.parseArgs(args.toArray(String[]::new));
        return command;
    }

    private static GenerationRequest request(final String... extra) {
        return parsed(extra).request(null, List.of(), null, false);
    }

    @Test
    void theOptionDefaultsAreTheSharedOnes() {
        final CommandSpec spec = new CommandLine(new GenerateCommand()).getCommandSpec();
        assertEquals(Defaults.FRAME_RATE, Double.parseDouble(spec.findOption("--frame-rate").defaultValue()));
        assertEquals(Defaults.DECODE_TIMESTEP, Double.parseDouble(spec.findOption("--decode-timestep").defaultValue()));
        assertEquals(Defaults.DECODE_NOISE_SCALE, Double.parseDouble(spec.findOption("--decode-noise-scale").defaultValue()));
        assertEquals(Defaults.COMPAT, GenerateCommand.parseCompat(spec.findOption("--compat").defaultValue()));
        // these follow --compat, so picocli has none
        assertNull(spec.findOption("--max-length").defaultValue());
        assertNull(spec.findOption("--rescale").defaultValue());
    }

    @Test
    void aRequestWithNoOptionsIsTheDefaultRequest() {
        final GenerationRequest request = request();
        assertEquals(List.of(Defaults.NUM_FRAMES, Defaults.HEIGHT, Defaults.WIDTH),
                List.of(request.numFrames(), request.height(), request.width()));
        assertEquals(Defaults.FRAME_RATE, request.frameRate());
        assertEquals(Defaults.DECODE_TIMESTEP, request.decodeTimestep());
        assertEquals(Defaults.DECODE_NOISE_SCALE, request.decodeNoiseScale());
        assertEquals(Defaults.NEGATIVE_PROMPT, request.negativePrompt());
        assertEquals(Compat.OFFICIAL, request.compat());
        assertEquals(256, request.maxLength());
        assertEquals(Defaults.TIMESTEPS, request.pass(1).timesteps());
        final GuidanceSchedule.Step guidance = request.pass(1).guidance().at(1f);
        assertEquals(List.of(Defaults.GUIDANCE_SCALE, Defaults.STG_SCALE, 0.7),
                List.of(guidance.guidanceScale(), guidance.stgScale(), guidance.rescale()));
    }

    @Test
    void diffusersCompatTakesDiffusersDefaults() {
        final GenerationRequest request = request("--compat", "diffusers");
        assertEquals(Compat.DIFFUSERS, request.compat());
        // LTXPipeline.__call__: guidance_rescale=0.0, max_sequence_length=128
        assertEquals(0.0, request.pass(1).guidance().at(1f).rescale());
        assertEquals(128, request.maxLength());
        // given explicitly, they win
        final GenerationRequest explicit = request("--compat", "diffusers", "--rescale", "0.7", "--max-length", "64");
        assertEquals(0.7, explicit.pass(1).guidance().at(1f).rescale());
        assertEquals(64, explicit.maxLength());
    }

    @Test
    void aPipelineConfigsAbsentKeysAreTheOfficialCallDefaults() throws IOException {
        final Path yaml = temporary.resolve("base.yaml");
        Files.writeString(yaml, "pipeline_type: base\n");
        final PipelineConfig config = PipelineConfig.read(yaml);
        final GenerationRequest request = parsed().request(null, List.of(), config, false);
        assertEquals(Defaults.OfficialCall.STEPS, request.pass(1).steps());
        final GuidanceSchedule.Step guidance = request.pass(1).guidance().at(1f);
        assertEquals(List.of(Defaults.OfficialCall.GUIDANCE_SCALE, Defaults.OfficialCall.STG_SCALE, Defaults.OfficialCall.RESCALE),
                List.of(guidance.guidanceScale(), guidance.stgScale(), guidance.rescale()));
        // what a config does not set stays the shared default
        assertEquals(Defaults.DECODE_TIMESTEP, request.decodeTimestep());
        assertEquals(Defaults.FRAME_RATE, request.frameRate());
    }
}
