package org.nifiltx.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.nifiltx.core.testing.TinyFixtures;

/** Runs {@code ltx} in-process and captures what it prints. */
final class CliHarness {
    record Result(int exitCode, String out, String err) {
    }

    private CliHarness() {
    }

    static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int code = LtxCommand.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static Path fixture(final String relative) {
        return TinyFixtures.path(relative);
    }
}
