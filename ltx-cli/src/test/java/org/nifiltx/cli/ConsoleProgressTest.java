package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    @Test
    void plainFormIsOneLinePerStepWithTheStageTime() {
        final StringWriter text = new StringWriter();
        final AtomicLong clock = new AtomicLong(5_000_000_000L);
        final ConsoleProgress progress = new ConsoleProgress(new PrintWriter(text, true), false, clock::get);
        progress.stageStarted("denoise", 3);
        clock.addAndGet(400_000_000L);
        progress.stepDone("denoise", 1, 3);
        clock.addAndGet(800_000_000L);
        progress.stepDone("denoise", 2, 3);
        progress.stageStarted("decode", 1);
        clock.addAndGet(2_250_000_000L);
        progress.stepDone("decode", 1, 1);
        assertEquals(String.join(System.lineSeparator(), "denoise: step 1/3 (0.4 s)", "denoise: step 2/3 (1.2 s)",
                "decode: step 1/1 (2.3 s)", ""), text.toString());
    }

    @Test
    void terminalFormRedrawsOneBarWithEta() {
        final StringWriter text = new StringWriter();
        final AtomicLong clock = new AtomicLong();
        final ConsoleProgress progress = new ConsoleProgress(new PrintWriter(text, true), true, clock::get);
        progress.stageStarted("denoise", 4);
        clock.addAndGet(1_000_000_000L);
        progress.stepDone("denoise", 1, 4);
        assertEquals("\rdenoise          [------------------------] 0/4  elapsed 0.0 s  ETA ?   "
                + "\rdenoise          [######------------------] 1/4  elapsed 1.0 s  ETA 3.0 s   ", text.toString());
    }
}
