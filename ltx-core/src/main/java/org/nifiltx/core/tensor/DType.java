package org.nifiltx.core.tensor;

import java.util.Arrays;
import java.util.Optional;

/** Element types, named as safetensors names them. */
public enum DType {
    F64("F64", 8),
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    F8_E4M3("F8_E4M3", 1),
    F8_E5M2("F8_E5M2", 1),
    I64("I64", 8),
    I32("I32", 4),
    I16("I16", 2),
    I8("I8", 1),
    U8("U8", 1),
    BOOL("BOOL", 1);

    private final String safetensorsName;
    private final int byteSize;

    DType(final String safetensorsName, final int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16 || this == F8_E4M3 || this == F8_E5M2;
    }

    public static Optional<DType> fromSafetensorsName(final String name) {
        return Arrays.stream(values()).filter(d -> d.safetensorsName.equals(name)).findFirst();
    }
}
