package org.nifiltx.core.text;

/**
 * sentencepiece's precompiled normalisation rules: {@code <uint32 little-endian trie byte size><darts-clone double
 * array><NUL-terminated replacement strings>}. The double array maps UTF-8 byte sequences to offsets of their
 * replacement in the string area; {@link #longestMatch} answers the longest rule that is a prefix of the input,
 * which is how sentencepiece's normalizer applies them.
 */
final class PrecompiledCharsMap {
    private static final int HAS_LEAF_BIT = 1 << 8;
    private static final int LEAF_LABEL_MASK = (1 << 31) | 0xFF;
    private static final int VALUE_MASK = Integer.MAX_VALUE;

    private final int[] units;
    private final byte[] replacements;

    private PrecompiledCharsMap(final int[] units, final byte[] replacements) {
        this.units = units;
        this.replacements = replacements;
    }

    /** Splits the blob; an empty blob means "no rules" and gives null. */
    static PrecompiledCharsMap parse(final byte[] blob) {
        if (blob == null || blob.length == 0) {
            return null;
        }
        if (blob.length <= 4) {
            throw new IllegalArgumentException("precompiled charsmap of " + blob.length + " bytes is too short");
        }
        final long trieSize = Integer.toUnsignedLong(readInt(blob, 0));
        // Same bound as sentencepiece: the size counts trie bytes only, but is compared with the whole blob.
        if (trieSize >= blob.length) {
            throw new IllegalArgumentException("precompiled charsmap trie size " + trieSize
                    + " exceeds the blob size " + blob.length);
        }
        final int unitCount = (int) (trieSize / 4);
        final int[] units = new int[unitCount];
        for (int index = 0; index < unitCount; index++) {
            units[index] = readInt(blob, 4 + index * 4);
        }
        final int stringsStart = 4 + (int) trieSize;
        final byte[] replacements = new byte[blob.length - stringsStart];
        System.arraycopy(blob, stringsStart, replacements, 0, replacements.length);
        return new PrecompiledCharsMap(units, replacements);
    }

    /**
     * Finds the longest rule matching a prefix of {@code input[start, end)}, walking the double array the way
     * darts-clone's commonPrefixSearch does.
     *
     * @param result receives [matched input length, replacement offset, replacement length]; length 0 = no rule
     */
    void longestMatch(final byte[] input, final int start, final int end, final int[] result) {
        result[0] = 0;
        if (units.length == 0) {
            return;
        }
        int nodePosition = offset(units[0]);
        for (int position = start; position < end; position++) {
            final int label = input[position] & 0xFF;
            nodePosition ^= label;
            if (nodePosition < 0 || nodePosition >= units.length) {
                break;
            }
            final int unit = units[nodePosition];
            if ((unit & LEAF_LABEL_MASK) != label) {
                break;
            }
            nodePosition ^= offset(unit);
            if ((unit & HAS_LEAF_BIT) != 0) {
                if (nodePosition < 0 || nodePosition >= units.length) {
                    break;
                }
                // Later matches are longer, so the last one seen is the longest, as normalizer.cc keeps it.
                result[0] = position + 1 - start;
                result[1] = units[nodePosition] & VALUE_MASK;
            }
        }
        if (result[0] > 0) {
            result[2] = replacementLength(result[1]);
        }
    }

    byte[] replacements() {
        return replacements;
    }

    /** Replacement strings end at a NUL byte, like the C strings sentencepiece reads them as. */
    private int replacementLength(final int replacementOffset) {
        if (replacementOffset >= replacements.length) {
            throw new IllegalStateException("precompiled charsmap rule points at offset " + replacementOffset
                    + " past its " + replacements.length + " bytes of replacement strings");
        }
        int cursor = replacementOffset;
        while (cursor < replacements.length && replacements[cursor] != 0) {
            cursor++;
        }
        return cursor - replacementOffset;
    }

    private static int offset(final int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static int readInt(final byte[] bytes, final int at) {
        return (bytes[at] & 0xFF) | (bytes[at + 1] & 0xFF) << 8 | (bytes[at + 2] & 0xFF) << 16
                | (bytes[at + 3] & 0xFF) << 24;
    }
}
