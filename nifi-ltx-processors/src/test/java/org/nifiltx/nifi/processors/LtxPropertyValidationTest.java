package org.nifiltx.nifi.processors;

import org.apache.nifi.util.TestRunner;
import org.apache.nifi.util.TestRunners;
import org.junit.jupiter.api.Test;

/** Configurations the canvas must refuse before anything runs. */
class LtxPropertyValidationTest {

    @Test
    void encodePromptNeedsTheServiceAndSaneNumbers() {
        final TestRunner runner = TestRunners.newTestRunner(EncodePrompt.class);
        runner.assertNotValid();
        Fixtures.addService(runner);
        runner.assertValid();
        runner.setProperty(EncodePrompt.MAX_LENGTH, "0");
        runner.assertNotValid();
        runner.setProperty(EncodePrompt.MAX_LENGTH, "128");
        runner.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, "yes");
        runner.assertNotValid();
        runner.setProperty(EncodePrompt.CLASSIFIER_FREE_GUIDANCE, "TRUE");
        runner.assertValid();
        runner.setProperty(EncodePrompt.COMPAT, "COMFY");
        runner.assertNotValid();
    }

    @Test
    void generateLatentsRefusesBadSizesAndLists() {
        final TestRunner runner = TestRunners.newTestRunner(GenerateLatents.class);
        Fixtures.addService(runner);
        runner.assertValid();
        runner.setProperty(GenerateLatents.HEIGHT, "tall");
        runner.assertNotValid();
        runner.setProperty(GenerateLatents.HEIGHT, "64");
        runner.setProperty(GenerateLatents.TIMESTEPS, "1.0, 1.5");
        runner.assertNotValid();
        runner.setProperty(GenerateLatents.TIMESTEPS, "1.0, 0.5");
        runner.assertValid();
        runner.setProperty(GenerateLatents.STG_SCALE, "1");
        runner.setProperty(GenerateLatents.STG_BLOCKS, "1, x");
        runner.assertNotValid();
        runner.setProperty(GenerateLatents.STG_BLOCKS, "1, 2.5");
        runner.assertNotValid();
        runner.setProperty(GenerateLatents.STG_BLOCKS, "1");
        runner.setProperty(GenerateLatents.MULTI_SCALE, "yes");
        runner.assertNotValid();
    }

    @Test
    void decodeVideoRefusesUnknownFormatsAndTimestepsAboveOne() {
        final TestRunner runner = TestRunners.newTestRunner(DecodeVideo.class);
        Fixtures.addService(runner);
        runner.assertValid();
        runner.setProperty(DecodeVideo.OUTPUT_FORMAT, "AVI");
        runner.assertNotValid();
        runner.setProperty(DecodeVideo.OUTPUT_FORMAT, OutputFormat.GIF.getValue());
        runner.setProperty(DecodeVideo.DECODE_TIMESTEP, "2");
        runner.assertNotValid();
    }
}
