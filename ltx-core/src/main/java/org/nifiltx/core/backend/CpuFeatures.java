package org.nifiltx.core.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * The instruction-set flags of this CPU that decide the fastest precision (from {@code /proc/cpuinfo}; empty where it
 * cannot be read). ONNX Runtime's int8 GEMMs are several times its fp32 speed with VNNI or AMX-INT8, and at best on
 * par without them.
 */
public record CpuFeatures(Set<String> flags) {
    private static final Set<String> INT8_DOT = Set.of("avx512_vnni", "avx_vnni", "amx_int8");

    public static CpuFeatures detect() {
        return fromCpuinfo(Path.of("/proc/cpuinfo"));
    }

    static CpuFeatures fromCpuinfo(final Path cpuinfo) {
        try {
            for (final String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    final int colon = line.indexOf(':');
                    return new CpuFeatures(new TreeSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+"))));
                }
            }
        } catch (final IOException | RuntimeException e) {
            // not Linux, or unreadable: no flags, so AUTO falls back to fp32
        }
        return new CpuFeatures(Set.of());
    }

    /** VNNI (AVX-512 or AVX) or AMX int8: ONNX Runtime's u8·s8 kernels run at their fast rate. */
    public boolean hasInt8DotProduct() {
        return flags.stream().anyMatch(INT8_DOT::contains);
    }

    /** A short description for logs: which of the deciding flags are present. */
    public String describe() {
        final Set<String> present = new TreeSet<>(flags);
        present.retainAll(Set.of("avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16", "avx512_bf16", "avx512f", "avx2"));
        return present.isEmpty() ? "no AVX2/AVX-512/VNNI/AMX" : String.join(" ", present);
    }
}
