package org.nifiltx.cli;

import java.io.PrintWriter;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ltx}: LTX-Video from the command line. */
@Command(name = "ltx", mixinStandardHelpOptions = true, version = "ltx 0.1.0",
        description = "LTX-Video inference in Java: ONNX graphs built from the checkpoint, run by ONNX Runtime.",
        subcommands = {InspectCommand.class, RunCommand.class, GenerateCommand.class, BenchCommand.class})
public final class LtxCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (inspect, run, generate, bench)");
    }

    public static void main(final String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code; errors are one readable line on {@code err}. */
    public static int execute(final String[] args, final PrintWriter out, final PrintWriter err) {
        final boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        final CommandLine commandLine = new CommandLine(new LtxCommand());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((e, arguments) -> {
            err.println("ltx: " + e.getMessage());
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            err.println("ltx: " + oneLine(e));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return exitCode(e);
        });
        return commandLine.execute(args);
    }

    private static String oneLine(final Exception e) {
        final String message = e instanceof LtxException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return String.valueOf(message).replace('\n', ' ');
    }

    /**
     * Exit codes: 2 bad arguments or tensors, 3 missing file, 4 corrupt or mismatched model, 5 backend, 6 memory, 7 an
     * output cannot be written, 130 stopped, 1 other.
     */
    static int exitCode(final Exception e) {
        if (!(e instanceof LtxException ltx)) {
            return 1;
        }
        final LtxErrorCode code = ltx.code();
        return switch (code) {
            case INVALID_ARGUMENT, INVALID_TENSOR, NON_FINITE -> 2;
            case FILE_NOT_FOUND -> 3;
            case CORRUPT_FILE, CHECKPOINT_MISMATCH -> 4;
            case BACKEND_UNAVAILABLE, BACKEND_FAILURE, UNSUPPORTED -> 5;
            case OUT_OF_MEMORY -> 6;
            case WRITE_FAILED -> 7;
            case CANCELLED -> 130;
        };
    }
}
