package org.nifiltx.nifi.processors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.apache.nifi.components.PropertyDescriptor;
import org.junit.jupiter.api.Test;
import org.nifiltx.core.pipeline.Defaults;

/**
 * The processors' property defaults are {@link Defaults}, which the CLI's option defaults are checked against too
 * (DefaultsAgreementTest in ltx-cli): a freshly dropped processor asks for what {@code ltx generate} does.
 */
class LtxDefaultsTest {

    private static double number(final PropertyDescriptor property) {
        return Double.parseDouble(property.getDefaultValue());
    }

    private static List<Double> numbers(final PropertyDescriptor property) {
        return NumberListValidator.parseDoubles(property.getDefaultValue());
    }

    @Test
    void generateLatentsDefaultsAreTheSharedOnes() {
        assertEquals(Defaults.NUM_FRAMES, number(GenerateLatents.NUM_FRAMES));
        assertEquals(Defaults.HEIGHT, number(GenerateLatents.HEIGHT));
        assertEquals(Defaults.WIDTH, number(GenerateLatents.WIDTH));
        assertEquals(Defaults.FRAME_RATE, number(GenerateLatents.FRAME_RATE));
        assertEquals(DenoisingSchedule.TIMESTEPS.getValue(), GenerateLatents.SCHEDULE.getDefaultValue());
        assertEquals(Defaults.TIMESTEPS, numbers(GenerateLatents.TIMESTEPS));
        assertEquals(Defaults.STEPS, number(GenerateLatents.STEPS));
        assertEquals(Defaults.SECOND_PASS_TIMESTEPS, numbers(GenerateLatents.SECOND_PASS_TIMESTEPS));
        assertEquals(Defaults.GUIDANCE_SCALE, number(GenerateLatents.GUIDANCE_SCALE));
        // unset: STG off (Defaults.STG_SCALE 0), and the rescale of the content's compat
        assertEquals(0.0, Defaults.STG_SCALE);
        assertNull(GenerateLatents.STG_SCALE.getDefaultValue());
        assertNull(GenerateLatents.RESCALE.getDefaultValue());
    }

    @Test
    void encodePromptAndDecodeVideoDefaultsAreTheSharedOnes() {
        assertEquals(Defaults.NEGATIVE_PROMPT, EncodePrompt.NEGATIVE_PROMPT.getDefaultValue());
        assertEquals(Defaults.COMPAT.name(), EncodePrompt.COMPAT.getDefaultValue());
        // the distilled models run without guidance, so the negative prompt is not encoded
        assertFalse(Boolean.parseBoolean(EncodePrompt.CLASSIFIER_FREE_GUIDANCE.getDefaultValue()));
        assertFalse(Defaults.GUIDANCE_SCALE > 1);
        assertNull(EncodePrompt.MAX_LENGTH.getDefaultValue());
        assertEquals(Defaults.DECODE_TIMESTEP, number(DecodeVideo.DECODE_TIMESTEP));
        assertEquals(Defaults.DECODE_NOISE_SCALE, number(DecodeVideo.DECODE_NOISE_SCALE));
    }
}
