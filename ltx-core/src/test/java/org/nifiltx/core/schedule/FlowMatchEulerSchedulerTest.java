package org.nifiltx.core.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.TensorBundle;

class FlowMatchEulerSchedulerTest {
    private static final JsonNode PARAMS = Fixtures.json("scheduler/params.json");
    private static final TensorBundle OUTPUTS = Fixtures.tensors("scheduler/outputs.safetensors");

    private static FlowMatchEulerScheduler fixtureScheduler() {
        return new FlowMatchEulerScheduler(PARAMS.get("diffusers_config"));
    }

    @ParameterizedTest
    @CsvSource({"4,12", "8,1024", "20,3000", "30,256", "40,5600", "50,8000"})
    void schedulesMatchDiffusers(final int steps, final int sequenceLength) {
        final Schedule schedule = fixtureScheduler().schedule(steps, sequenceLength);
        final String prefix = "diffusers_n" + steps + "_seq" + sequenceLength;
        final float[] expectedSigmas = OUTPUTS.get(prefix + "_sigmas").toFloatArray();
        final float[] expectedTimesteps = OUTPUTS.get(prefix + "_timesteps").toFloatArray();
        Fixtures.assertClose(prefix + "_sigmas", expectedSigmas, schedule.sigmas());
        Fixtures.assertClose(prefix + "_timesteps", expectedTimesteps, schedule.timesteps());
        // float32 in the reference's operation order reproduces numpy bit for bit
        assertArrayEquals(expectedSigmas, schedule.sigmas());
        assertArrayEquals(expectedTimesteps, schedule.timesteps());
    }

    @Test
    void muMatchesCalculateShift() {
        for (final JsonNode pair : PARAMS.get("pairs")) {
            assertEquals(pair.get("mu").doubleValue(), fixtureScheduler().mu(pair.get("video_seq_len").longValue()), 1e-15);
        }
    }

    @Test
    void explicitValuesConfigMatchesJsonConfig() {
        final Schedule fromJson = fixtureScheduler().schedule(20, 3000);
        final Schedule fromValues = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.LTX_VIDEO_CONFIG).schedule(20, 3000);
        assertArrayEquals(fromJson.sigmas(), fromValues.sigmas());
    }

    @Test
    void stepMatchesDiffusers() {
        final TensorBundle inputs = Fixtures.tensors("scheduler/inputs.safetensors");
        final JsonNode step = PARAMS.get("diffusers_step");
        final Schedule schedule = fixtureScheduler().schedule(4, 12);
        final int stepIndex = step.get("step_index").intValue();
        assertEquals((float) step.get("sigma").doubleValue(), schedule.sigma(stepIndex));
        assertEquals((float) step.get("sigma_next").doubleValue(), schedule.sigma(stepIndex + 1));
        final float[] actual = FlowMatchEulerScheduler.step(schedule, stepIndex,
                inputs.get("step_sample").toFloatArray(), inputs.get("step_model_output").toFloatArray());
        final float[] expected = OUTPUTS.get("diffusers_step_prev_sample").toFloatArray();
        Fixtures.assertClose("diffusers_step_prev_sample", expected, actual);
        assertArrayEquals(expected, actual);
    }

    @Test
    void pipelineTextToVideoSchedule() {
        final JsonNode params = Fixtures.json("pipeline_t2v/params.json");
        final TensorBundle outputs = Fixtures.tensors("pipeline_t2v/outputs.safetensors");
        final JsonNode latentShape = params.get("latent_shape");
        final long sequenceLength = latentShape.get(2).longValue() * latentShape.get(3).longValue() * latentShape.get(4).longValue();
        final FlowMatchEulerScheduler scheduler = fixtureScheduler();
        assertEquals(params.get("mu").doubleValue(), scheduler.mu(sequenceLength), 1e-15);
        final Schedule schedule = scheduler.schedule(params.get("num_inference_steps").intValue(), sequenceLength);
        Fixtures.assertClose("pipeline_t2v sigmas", outputs.get("sigmas").toFloatArray(), schedule.sigmas());
        Fixtures.assertClose("pipeline_t2v timesteps", outputs.get("timesteps").toFloatArray(), schedule.timesteps());
        assertArrayEquals(outputs.get("sigmas").toFloatArray(), schedule.sigmas());
        assertArrayEquals(outputs.get("timesteps").toFloatArray(), schedule.timesteps());
    }

    @Test
    void pipelineDistilledScheduleFromExplicitTimesteps() {
        final JsonNode params = Fixtures.json("pipeline_t2v_distilled/params.json");
        final TensorBundle outputs = Fixtures.tensors("pipeline_t2v_distilled/outputs.safetensors");
        final List<Double> timesteps = new ArrayList<>();
        params.get("timesteps_x1000").forEach(node -> timesteps.add(node.doubleValue()));
        final Schedule schedule = new FlowMatchEulerScheduler(params.get("scheduler_config")).scheduleFromTimesteps(timesteps);
        Fixtures.assertClose("pipeline_t2v_distilled sigmas", outputs.get("sigmas").toFloatArray(), schedule.sigmas());
        Fixtures.assertClose("pipeline_t2v_distilled timesteps", outputs.get("timesteps").toFloatArray(), schedule.timesteps());
        assertArrayEquals(outputs.get("sigmas").toFloatArray(), schedule.sigmas());
        assertArrayEquals(outputs.get("timesteps").toFloatArray(), schedule.timesteps());
    }

    @Test
    void explicitSigmasWithoutShiftAreKeptAndTerminated() {
        final FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(Fixtures.json("pipeline_t2v_distilled/params.json")
                .get("scheduler_config"));
        final Schedule schedule = scheduler.scheduleFromSigmas(List.of(1.0, 0.5, 0.25));
        assertArrayEquals(new float[] {1.0f, 0.5f, 0.25f, 0.0f}, schedule.sigmas());
        assertArrayEquals(new float[] {1000.0f, 500.0f, 250.0f}, schedule.timesteps());
    }

    @Test
    void oneStepScheduleWithTerminalStretchIsOneStepFromNoise() {
        // LTX-Video's config stretches to shift_terminal 0.1; one step's only sigma is 1, which cannot be stretched
        // (0/0, NaN timesteps before the fix): the schedule stays one Euler step from 1 to 0
        final Schedule schedule = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.LTX_VIDEO_CONFIG).schedule(1, 6144);
        assertArrayEquals(new float[] {1.0f, 0.0f}, schedule.sigmas());
        assertArrayEquals(new float[] {1000.0f}, schedule.timesteps());
        final Schedule two = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.LTX_VIDEO_CONFIG).schedule(2, 6144);
        assertEquals(1.0f, two.sigmas()[0]);
        assertEquals(0.1f, two.sigmas()[1], 1e-6f);
    }

    @Test
    void staticShiftFormula() {
        // shift 3: 3*0.5 / (1 + 2*0.5) = 0.75
        final FlowMatchEulerConfig config = new FlowMatchEulerConfig(1000, 3.0, false, 0.5, 1.15, 256, 4096, false, null,
                FlowMatchEulerConfig.TimeShiftType.EXPONENTIAL, false);
        final Schedule schedule = new FlowMatchEulerScheduler(config).scheduleFromSigmas(List.of(1.0, 0.5));
        assertArrayEquals(new float[] {1.0f, 0.75f, 0.0f}, schedule.sigmas());
    }

    @Test
    void perTokenStepKeepsConditionedTokens() {
        final FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(Fixtures.json("pipeline_t2v_distilled/params.json")
                .get("scheduler_config"));
        final Schedule schedule = scheduler.scheduleFromSigmas(List.of(1.0, 0.5));
        final float[] sample = {1.0f, 2.0f, 3.0f, 4.0f};
        final float[] velocity = {1.0f, 1.0f, 1.0f, 1.0f};
        // token 0 at sigma 0 keeps dt = 0; token 1 at sigma 1 steps to 0.5
        final float[] previous = scheduler.stepPerToken(schedule, sample, velocity, new float[] {0.0f, 1000.0f});
        assertArrayEquals(new float[] {1.0f, 2.0f, 3.5f, 4.5f}, previous);
    }

    @Test
    void stochasticStep() {
        // x0 = 2 - 0.5*2 = 1; (1 - 0.25)*1 + 0.25*4 = 1.75
        assertArrayEquals(new float[] {1.75f},
                FlowMatchEulerScheduler.stepStochastic(new float[] {2.0f}, new float[] {2.0f}, 0.5f, 0.25f, new float[] {4.0f}));
    }

    @Test
    void rejectsInvalidInputs() {
        final FlowMatchEulerScheduler scheduler = fixtureScheduler();
        assertInvalid("the number of inference steps must be at least 1, got 0", () -> scheduler.schedule(0, 12));
        assertInvalid("the explicit sigmas list must not be empty", () -> scheduler.scheduleFromSigmas(List.of(), 1.0));
        assertInvalid("explicit sigmas must be strictly decreasing, but sigmas[2] = 0.5 follows 0.5",
                () -> scheduler.scheduleFromSigmas(List.of(1.0, 0.5, 0.5), 1.0));
        assertInvalid("explicit sigmas[1] = 1.5 lies outside [0, 1]", () -> scheduler.scheduleFromSigmas(List.of(1.0, 1.5), 1.0));
        assertInvalid("explicit timesteps[0] = 1001.0 lies outside [0, 1000]",
                () -> scheduler.scheduleFromTimesteps(List.of(1001.0, 500.0), 1.0));
        assertInvalid("this scheduler uses dynamic shifting, so a schedule needs mu (or the video sequence length)",
                () -> scheduler.scheduleFromSigmas(List.of(1.0)));
    }

    static void assertInvalid(final String message, final Runnable action) {
        final LtxException error = assertThrows(LtxException.class, action::run);
        assertEquals(LtxErrorCode.INVALID_ARGUMENT, error.code());
        assertEquals(message, error.getMessage());
    }
}
