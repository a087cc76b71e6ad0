package org.nifiltx.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nifiltx.core.backend.Backend;
import org.nifiltx.core.backend.BackendOptions;
import org.nifiltx.core.backend.Backends;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.inspect.ModelInspector;
import org.nifiltx.core.inspect.WeightAudit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltx inspect}: what a checkpoint holds, from its config and weights alone (graphs are built to list the weights
 * they read, but no session is), and whether every weight is there in the shape the config implies: when one is not,
 * the report is printed and the command fails with the same line {@code generate} and {@code run} fail with.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Print the layout, version, every component's dimensions, parameter counts and dtypes of a model, and "
                + "check that every weight its graphs read is present with the shape its config implies (exit 4 when not)."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "single-file checkpoint (.safetensors) or diffusers folder")
    Path model;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = "--verbose", description = "print stack traces on errors")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        final LtxCheckpoint checkpoint = LtxCheckpoint.open(model);
        final Backend backend = Backends.find(BackendOptions.cpu());
        final List<WeightAudit.Finding> findings = new ArrayList<>(WeightAudit.checkpoint(backend, checkpoint,
                Component.TRANSFORMER, Component.VAE_DECODE, Component.VAE_ENCODE));
        checkpoint.textEncoder().ifPresent(t -> findings.add(WeightAudit.textEncoder(backend, t.config(), t.weights())));
        final Map<String, Object> description = ModelInspector.describe(checkpoint, findings);
        if (json) {
            spec.commandLine().getOut().println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(description));
        } else {
            spec.commandLine().getOut().print(ModelInspector.toText(description));
        }
        spec.commandLine().getOut().flush();
        WeightAudit.requireComplete(findings);
        return 0;
    }
}
