package org.nifiltx.core.gguf;

import java.util.Optional;

/** The metadata value types of the GGUF format, by their on-disk id. */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private final int id;
    private final int minimumBytes;

    GgufValueType(final int id, final int minimumBytes) {
        this.id = id;
        this.minimumBytes = minimumBytes;
    }

    public static Optional<GgufValueType> fromId(final long id) {
        for (final GgufValueType type : values()) {
            if (type.id == id) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    public int id() {
        return id;
    }

    /**
     * The fewest bytes one value of this type takes on disk (a string's length prefix, an array's type and count), so
     * an array count can be checked against the bytes left before anything is allocated for it.
     */
    int minimumBytes() {
        return minimumBytes;
    }

    public boolean isInteger() {
        return this == UINT8 || this == INT8 || this == UINT16 || this == INT16 || this == UINT32 || this == INT32
                || this == UINT64 || this == INT64;
    }
}
