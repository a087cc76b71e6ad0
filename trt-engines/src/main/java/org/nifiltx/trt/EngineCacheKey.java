package org.nifiltx.trt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.nifiltx.core.backend.Component;
import org.nifiltx.core.backend.Precision;

/**
 * Everything that changes a TensorRT engine: an engine built for one of these values is useless for any other, so
 * all of them go into the cache file name (a serialized engine is tied to the TensorRT version and the GPU
 * architecture it was built on, and to the optimisation profile's shape ranges).
 *
 * @param component       model component
 * @param checkpointHash  hash identifying the weights (see {@link CheckpointFingerprint})
 * @param precision       engine precision
 * @param shapeProfile    input name → "min/opt/max" dimensions of the optimisation profile
 * @param tensorRtVersion e.g. "10.12.0"
 * @param gpuArchitecture compute capability, e.g. "sm_90"
 */
public record EngineCacheKey(Component component, String checkpointHash, Precision precision, Map<String, String> shapeProfile,
        String tensorRtVersion, String gpuArchitecture) {

    public EngineCacheKey {
        shapeProfile = Map.copyOf(shapeProfile);
    }

    /** A stable, file-system-safe name: readable prefix plus a digest of every field. */
    public String fileName() {
        final StringBuilder canonical = new StringBuilder();
        canonical.append(component.cliName()).append('\n').append(checkpointHash).append('\n').append(precision.name()).append('\n');
        new TreeMap<>(shapeProfile).forEach((name, dims) -> canonical.append(name).append('=').append(dims).append('\n'));
        canonical.append(tensorRtVersion).append('\n').append(gpuArchitecture);
        return component.cliName() + "-" + precision.name().toLowerCase(Locale.ROOT) + "-trt" + tensorRtVersion + "-" + gpuArchitecture
                + "-" + sha256(canonical.toString()).substring(0, 16) + ".engine";
    }

    static String sha256(final String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
