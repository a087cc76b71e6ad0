package org.nifiltx.core.text;

/** The two UTF-8 length rules sentencepiece uses: a strict decoder for validity, a lead-byte table for stepping. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Length of the well-formed character at {@code bytes[position]}, or 0 when it is malformed (bad trail byte,
     * overlong form, surrogate, beyond U+10FFFF, or cut off by {@code end}).
     */
    static int validCharacterLength(final byte[] bytes, final int position, final int end) {
        final int lead = bytes[position] & 0xFF;
        final int available = end - position;
        if (lead < 0x80) {
            return 1;
        }
        if (available >= 2 && (lead & 0xE0) == 0xC0) {
            final int codePoint = (lead & 0x1F) << 6 | (bytes[position + 1] & 0x3F);
            return isTrail(bytes[position + 1]) && codePoint >= 0x80 ? 2 : 0;
        }
        if (available >= 3 && (lead & 0xF0) == 0xE0) {
            final int codePoint = (lead & 0x0F) << 12 | (bytes[position + 1] & 0x3F) << 6
                    | (bytes[position + 2] & 0x3F);
            return isTrail(bytes[position + 1]) && isTrail(bytes[position + 2]) && codePoint >= 0x800
                    && isValidCodePoint(codePoint) ? 3 : 0;
        }
        if (available >= 4 && (lead & 0xF8) == 0xF0) {
            final int codePoint = (lead & 0x07) << 18 | (bytes[position + 1] & 0x3F) << 12
                    | (bytes[position + 2] & 0x3F) << 6 | (bytes[position + 3] & 0x3F);
            return isTrail(bytes[position + 1]) && isTrail(bytes[position + 2]) && isTrail(bytes[position + 3])
                    && codePoint >= 0x10000 && isValidCodePoint(codePoint) ? 4 : 0;
        }
        return 0;
    }

    /** The length the lead byte announces (1 for a stray trail byte), which segmentation steps by. */
    static int announcedLength(final byte lead) {
        final int high = (lead & 0xFF) >>> 4;
        if (high < 12) {
            return 1;
        }
        return high < 14 ? 2 : high == 14 ? 3 : 4;
    }

    private static boolean isTrail(final byte value) {
        return (value & 0xC0) == 0x80;
    }

    private static boolean isValidCodePoint(final int codePoint) {
        return codePoint < 0xD800 || (codePoint >= 0xE000 && codePoint <= 0x10FFFF);
    }
}
