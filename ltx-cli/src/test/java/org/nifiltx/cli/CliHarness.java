package org.nifiltx.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;

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
        try {
            return Path.of(CliHarness.class.getResource("/fixtures/ltx-tiny/" + relative).toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
