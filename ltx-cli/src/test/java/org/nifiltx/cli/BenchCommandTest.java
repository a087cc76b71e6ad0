package org.nifiltx.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The benchmark runs on a tiny topology and reports a profile whose shares add up; no timing is asserted. */
class BenchCommandTest {
    @Test
    void reportsOperatorProfileAndGemmShare() {
        final CliHarness.Result result = CliHarness.run("bench", "--layers", "1", "--heads", "2", "--head-dim", "16", "--text", "8",
                "--frames", "1", "--latent-height", "2", "--latent-width", "2", "--runs", "1");
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().startsWith("transformer: 1 layers, 2 heads x 16, batch 2, 4 video tokens, 8 text tokens, ONNX_RUNTIME\n"),
                result.out());
        final Matcher share = Pattern.compile("GEMM share \\(MatMul/Gemm/FusedMatMul\\): ([0-9.]+) %").matcher(result.out());
        assertTrue(share.find(), result.out());
        final double gemm = Double.parseDouble(share.group(1));
        assertTrue(gemm > 0 && gemm <= 100, "share " + gemm);
        final Matcher rows = Pattern.compile("\\n  (\\S+) +[0-9.]+ ms +([0-9.]+) %").matcher(result.out());
        double total = 0;
        boolean sawMatMul = false;
        while (rows.find()) {
            total += Double.parseDouble(rows.group(2));
            sawMatMul |= rows.group(1).equals("MatMul");
        }
        assertTrue(sawMatMul, result.out());
        assertEquals(100.0, total, 1.0, result.out());
    }
}
