package org.nifiltx.core.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.tensor.TensorBundle;

class RectifiedFlowSchedulerTest {
    private static final JsonNode PARAMS = Fixtures.json("scheduler/params.json");
    private static final TensorBundle INPUTS = Fixtures.tensors("scheduler/inputs.safetensors");
    private static final TensorBundle OUTPUTS = Fixtures.tensors("scheduler/outputs.safetensors");

    private static long tokensForShift() {
        // samples shape (b, tokens, channels): rf.py takes the middle dimension as the token count
        return PARAMS.get("orig_samples_shape_for_shift").get(1).longValue();
    }

    private static void assertMatches(final String name, final float[] actual) {
        final float[] expected = OUTPUTS.get(name).toFloatArray();
        Fixtures.assertClose(name, expected, actual);
        assertArrayEquals(expected, actual, name);
    }

    @Test
    void defaultUniform() {
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(PARAMS.get("orig_default_config"));
        assertMatches("orig_default_n10_timesteps", scheduler.timesteps(10, 0));
        assertArrayEquals(scheduler.timesteps(10, 0), new RectifiedFlowScheduler().timesteps(10, 0));
    }

    @Test
    void checkpointConfigLinearQuadraticWithSd3Shift() {
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(PARAMS.get("orig_checkpoint_config"));
        assertEquals(RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC, scheduler.config().sampler());
        assertEquals(RectifiedFlowConfig.Shifting.SD3, scheduler.config().shifting());
        assertMatches("orig_ckpt_n8_seq5600_timesteps", scheduler.timesteps(8, tokensForShift()));
        assertMatches("orig_ckpt_n30_seq5600_timesteps", scheduler.timesteps(30, tokensForShift()));
    }

    @Test
    void linearQuadraticWithoutShift() {
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(new RectifiedFlowConfig(1000,
                RectifiedFlowConfig.Shifting.NONE, 1024, null, RectifiedFlowConfig.Sampler.LINEAR_QUADRATIC, Double.NaN));
        assertMatches("orig_linear_quadratic_noshift_n8_timesteps", scheduler.timesteps(8, tokensForShift()));
        assertMatches("orig_linear_quadratic_noshift_n30_timesteps", scheduler.timesteps(30, tokensForShift()));
    }

    @Test
    void explicitFirstPassList() {
        assertMatches("orig_explicit_first_pass_timesteps", new RectifiedFlowScheduler().timesteps(explicitList()));
    }

    @Test
    void globalStep() {
        final JsonNode step = PARAMS.get("orig_step");
        final float[] schedule = new RectifiedFlowScheduler().timesteps(explicitList());
        final float timestep = schedule[step.get("step_index").intValue()];
        assertEquals((float) step.get("timestep").doubleValue(), timestep);
        assertEquals((float) step.get("next_timestep").doubleValue(), RectifiedFlowScheduler.nextLowerGlobal(schedule, timestep));
        assertMatches("orig_step_prev_sample", RectifiedFlowScheduler.step(schedule,
                INPUTS.get("step_sample").toFloatArray(), INPUTS.get("step_model_output").toFloatArray(), timestep));
    }

    @Test
    void perTokenStep() {
        final float[] schedule = new RectifiedFlowScheduler().timesteps(explicitList());
        assertMatches("orig_step_per_token_prev_sample", RectifiedFlowScheduler.stepPerToken(schedule,
                INPUTS.get("step_sample").toFloatArray(), INPUTS.get("step_model_output").toFloatArray(),
                INPUTS.get("orig_step_per_token_timestep").toFloatArray()));
    }

    @Test
    void perTokenNextTimestepIsLargestStrictlyLower() {
        final float[] schedule = {1.0f, 0.75f, 0.5f};
        assertEquals(0.75f, RectifiedFlowScheduler.nextLowerPerToken(schedule, 1.0f));
        // a token between schedule values (partial conditioning strength) steps to the next lower one
        assertEquals(0.5f, RectifiedFlowScheduler.nextLowerPerToken(schedule, 0.6f));
        assertEquals(0.0f, RectifiedFlowScheduler.nextLowerPerToken(schedule, 0.5f));
        assertEquals(0.0f, RectifiedFlowScheduler.nextLowerPerToken(schedule, 0.0f));
        // within 1e-6 of a schedule value counts as that value
        assertEquals(0.5f, RectifiedFlowScheduler.nextLowerPerToken(schedule, 0.7500005f));
    }

    @Test
    void stochasticStep() {
        // t = 0.5 steps to 0.25: x0 = 2 - 0.5*2 = 1; 0.75*1 + 0.25*4 = 1.75
        final float[] previous = RectifiedFlowScheduler.stepStochastic(new float[] {1.0f, 0.5f, 0.25f},
                new float[] {2.0f}, new float[] {2.0f}, 0.5f, new float[] {4.0f});
        assertArrayEquals(new float[] {1.75f}, previous);
    }

    @Test
    void sd3ShiftFormulaByHand() {
        // 1024 tokens: mu = 0.95; t = 0.5 -> e^0.95 / (e^0.95 + 1)
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(new RectifiedFlowConfig(1000,
                RectifiedFlowConfig.Shifting.SD3, 1024, null, RectifiedFlowConfig.Sampler.UNIFORM, Double.NaN));
        final float[] timesteps = scheduler.timesteps(2, 1024);
        assertEquals(1.0f, timesteps[0], 1e-7f);
        assertEquals(Math.exp(0.95) / (Math.exp(0.95) + 1.0), timesteps[1], 1e-7);
    }

    @Test
    void simpleDiffusionShiftByHand() {
        // 4096 tokens over base 1024: sigmoid(0.5*(log(1) + 2 log 4)) = sigmoid(log 4) = 0.8 at t = 0.5
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(new RectifiedFlowConfig(1000,
                RectifiedFlowConfig.Shifting.SIMPLE_DIFFUSION, 1024, null, RectifiedFlowConfig.Sampler.UNIFORM, Double.NaN));
        final float[] timesteps = scheduler.timesteps(2, 4096);
        assertEquals(1.0f, timesteps[0]);
        assertEquals(0.8, timesteps[1], 1e-7);
    }

    @Test
    void constantSampler() {
        // shift 0 means e^0 / (e^0 + 1/t - 1) = t
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler(new RectifiedFlowConfig(1000,
                RectifiedFlowConfig.Shifting.NONE, 1024, null, RectifiedFlowConfig.Sampler.CONSTANT, 0.0));
        assertArrayEquals(new float[] {1.0f, 0.5f}, scheduler.timesteps(2, 1), 1e-7f);
    }

    @Test
    void singleStepLinearQuadratic() {
        assertArrayEquals(new float[] {1.0f}, ScheduleMath.linearQuadraticSchedule(1));
    }

    @Test
    void rejectsInvalidInputs() {
        final RectifiedFlowScheduler scheduler = new RectifiedFlowScheduler();
        FlowMatchEulerSchedulerTest.assertInvalid("the number of inference steps must be at least 1, got -1",
                () -> scheduler.timesteps(-1, 1));
        FlowMatchEulerSchedulerTest.assertInvalid("the explicit timesteps list must not be empty",
                () -> scheduler.timesteps(List.of()));
        FlowMatchEulerSchedulerTest.assertInvalid("explicit timesteps must be strictly decreasing, but timesteps[1] = 0.9 follows 0.5",
                () -> scheduler.timesteps(List.of(0.5, 0.9)));
        FlowMatchEulerSchedulerTest.assertInvalid("explicit timesteps[1] = -0.1 lies outside [0, 1]",
                () -> scheduler.timesteps(List.of(0.5, -0.1)));
    }

    private static List<Double> explicitList() {
        final List<Double> timesteps = new ArrayList<>();
        PARAMS.get("orig_step").get("timesteps").forEach(node -> timesteps.add(node.doubleValue()));
        return timesteps;
    }
}
