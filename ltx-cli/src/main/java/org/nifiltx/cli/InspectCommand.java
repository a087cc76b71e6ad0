package org.nifiltx.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.checkpoint.LtxCheckpoint;
import org.nifiltx.core.inspect.ModelInspector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ltx inspect}: what a checkpoint holds, from its config and weights alone (no graph is built). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the layout, version, every component's dimensions, parameter counts and dtypes of a model.")
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
        final Map<String, Object> description = ModelInspector.describe(LtxCheckpoint.open(model));
        if (json) {
            spec.commandLine().getOut().println(Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(description));
        } else {
            spec.commandLine().getOut().print(ModelInspector.toText(description));
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
