package org.nifiltx.core.backend;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/** The model components a backend can run, with the names the CLI and NiFi use for them. */
public enum Component {
    TEXT_ENCODER("text-encoder"),
    TRANSFORMER("transformer"),
    VAE_DECODE("vae-decode"),
    VAE_ENCODE("vae-encode"),
    UPSAMPLE("upsample");

    private final String cliName;

    Component(final String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static Component fromCliName(final String name) {
        for (final Component c : values()) {
            if (c.cliName.equals(name)) {
                return c;
            }
        }
        throw new LtxException(LtxErrorCode.INVALID_ARGUMENT, "unknown component '" + name + "' (expected one of: "
                + Arrays.stream(values()).map(Component::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
