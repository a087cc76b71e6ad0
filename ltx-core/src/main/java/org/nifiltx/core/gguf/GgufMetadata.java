package org.nifiltx.core.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * The key/value metadata of a GGUF file. Scalars are held as {@code Long} (every integer type, unsigned 64-bit values
 * keeping their raw bits), {@code Float}, {@code Double}, {@code Boolean} or {@code String}; arrays as
 * {@link GgufArray}. The {@code get*} accessors fail with {@link LtxErrorCode#CHECKPOINT_MISMATCH} when the key is
 * missing (the model needs it) and with {@link LtxErrorCode#CORRUPT_FILE} when it has the wrong type; the
 * {@code find*} accessors return empty for a missing key.
 */
public final class GgufMetadata {
    private final Path file;
    private final Map<String, Object> values;
    private final Map<String, GgufValueType> types;

    GgufMetadata(final Path file, final Map<String, Object> values, final Map<String, GgufValueType> types) {
        this.file = file;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.types = Collections.unmodifiableMap(new LinkedHashMap<>(types));
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean contains(final String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValueType> typeOf(final String key) {
        return Optional.ofNullable(types.get(key));
    }

    /** The raw value, in the representation the class comment describes. */
    public Optional<Object> find(final String key) {
        return Optional.ofNullable(values.get(key));
    }

    public Optional<String> findString(final String key) {
        return find(key).map(v -> cast(key, v, String.class, "a string"));
    }

    public String getString(final String key) {
        return findString(key).orElseThrow(() -> missing(key));
    }

    public Optional<Long> findLong(final String key) {
        return find(key).map(v -> cast(key, v, Long.class, "an integer"));
    }

    public long getLong(final String key) {
        return findLong(key).orElseThrow(() -> missing(key));
    }

    /** An integer value that must fit a Java int (unsigned values above 2^31-1 are refused). */
    public Optional<Integer> findInt(final String key) {
        return findLong(key).map(v -> {
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw corrupt("metadata '" + key + "' is " + Long.toUnsignedString(v) + ", outside the int range");
            }
            return (int) (long) v;
        });
    }

    public int getInt(final String key) {
        return findInt(key).orElseThrow(() -> missing(key));
    }

    /** A FLOAT32 or FLOAT64 value, as float. */
    public Optional<Float> findFloat(final String key) {
        return find(key).map(v -> {
            if (v instanceof Float f) {
                return f;
            }
            if (v instanceof Double d) {
                return (float) (double) d;
            }
            throw wrongType(key, "a float");
        });
    }

    public float getFloat(final String key) {
        return findFloat(key).orElseThrow(() -> missing(key));
    }

    public Optional<Boolean> findBoolean(final String key) {
        return find(key).map(v -> cast(key, v, Boolean.class, "a boolean"));
    }

    public boolean getBoolean(final String key) {
        return findBoolean(key).orElseThrow(() -> missing(key));
    }

    public Optional<GgufArray> findArray(final String key) {
        return find(key).map(v -> cast(key, v, GgufArray.class, "an array"));
    }

    public GgufArray getArray(final String key) {
        return findArray(key).orElseThrow(() -> missing(key));
    }

    public Optional<List<String>> findStringArray(final String key) {
        return findArray(key).map(a -> {
            requireElementType(key, a, a.elementType() == GgufValueType.STRING, "strings");
            return a.strings();
        });
    }

    public List<String> getStringArray(final String key) {
        return findStringArray(key).orElseThrow(() -> missing(key));
    }

    /** A FLOAT32 or FLOAT64 array, as float[]. */
    public Optional<float[]> findFloatArray(final String key) {
        return findArray(key).map(a -> {
            if (a.values() instanceof float[] floats) {
                return floats.clone();
            }
            requireElementType(key, a, a.values() instanceof double[], "floats");
            final double[] doubles = (double[]) a.values();
            final float[] out = new float[doubles.length];
            for (int i = 0; i < doubles.length; i++) {
                out[i] = (float) doubles[i];
            }
            return out;
        });
    }

    public float[] getFloatArray(final String key) {
        return findFloatArray(key).orElseThrow(() -> missing(key));
    }

    /** An integer array of any width whose values fit a Java int. */
    public Optional<int[]> findIntArray(final String key) {
        return findArray(key).map(a -> {
            requireElementType(key, a, a.elementType().isInteger(), "integers");
            final int[] out = new int[a.length()];
            for (int i = 0; i < out.length; i++) {
                final long v = a.values() instanceof byte[] bytes ? integerOf(a.elementType(), bytes[i])
                        : ((long[]) a.values())[i];
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw corrupt("metadata '" + key + "' element " + i + " is " + v + ", outside the int range");
                }
                out[i] = (int) v;
            }
            return out;
        });
    }

    public int[] getIntArray(final String key) {
        return findIntArray(key).orElseThrow(() -> missing(key));
    }

    /** A UINT8 or INT8 array, as raw bytes (a SentencePiece precompiled charsmap, for one). */
    public Optional<byte[]> findByteArray(final String key) {
        return findArray(key).map(a -> {
            requireElementType(key, a,
                    a.elementType() == GgufValueType.UINT8 || a.elementType() == GgufValueType.INT8, "bytes");
            return ((byte[]) a.values()).clone();
        });
    }

    public byte[] getByteArray(final String key) {
        return findByteArray(key).orElseThrow(() -> missing(key));
    }

    private static long integerOf(final GgufValueType type, final byte value) {
        return type == GgufValueType.INT8 ? value : value & 0xFF;
    }

    private <T> T cast(final String key, final Object value, final Class<T> type, final String expected) {
        if (!type.isInstance(value)) {
            throw wrongType(key, expected);
        }
        return type.cast(value);
    }

    private void requireElementType(final String key, final GgufArray array, final boolean ok, final String expected) {
        if (!ok) {
            throw corrupt("metadata '" + key + "' is an array of " + array.elementType() + ", expected " + expected);
        }
    }

    private LtxException wrongType(final String key, final String expected) {
        return corrupt("metadata '" + key + "' is " + types.get(key) + ", expected " + expected);
    }

    private LtxException corrupt(final String detail) {
        return new LtxException(LtxErrorCode.CORRUPT_FILE, "corrupt GGUF file " + file + ": " + detail);
    }

    private LtxException missing(final String key) {
        return new LtxException(LtxErrorCode.CHECKPOINT_MISMATCH, "GGUF file " + file + " lacks metadata '" + key + "'");
    }
}
