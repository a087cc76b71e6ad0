package org.nifiltx.core.gguf;

import java.util.List;

/**
 * A metadata array. {@code values} is held in the most compact Java form of its element type: {@code byte[]} for
 * UINT8, INT8 and BOOL, {@code long[]} for the wider integers (unsigned 64-bit values keep their raw bits),
 * {@code float[]} for FLOAT32, {@code double[]} for FLOAT64, {@code List<String>} for STRING and
 * {@code List<GgufArray>} for nested arrays.
 */
public record GgufArray(GgufValueType elementType, int length, Object values) {

    @SuppressWarnings("unchecked")
    public List<String> strings() {
        return (List<String>) values;
    }
}
