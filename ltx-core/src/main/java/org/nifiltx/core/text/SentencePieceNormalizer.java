package org.nifiltx.core.text;

import java.util.Arrays;

/**
 * sentencepiece's normaliser: applies the precompiled charsmap rule by rule (longest match first, the character
 * itself when no rule matches), drops leading, trailing and repeated whitespace, adds the dummy prefix and spells
 * spaces as U+2581. Works on UTF-8 bytes because the rules, and sentencepiece's positions, are byte based.
 */
final class SentencePieceNormalizer {
    private static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
    private static final byte[] REPLACEMENT_CHARACTER = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};
    private static final byte[] SPACE = {' '};

    private final PrecompiledCharsMap charsMap;
    private final PieceTrie userDefinedSymbols;
    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;

    /**
     * @param charsMap the rules, or null for none
     * @param userDefinedSymbols user-defined pieces, kept verbatim rather than normalised, or null for none
     */
    SentencePieceNormalizer(final PrecompiledCharsMap charsMap, final PieceTrie userDefinedSymbols,
            final boolean addDummyPrefix, final boolean removeExtraWhitespaces, final boolean escapeWhitespaces,
            final boolean treatWhitespaceAsSuffix) {
        this.charsMap = charsMap;
        this.userDefinedSymbols = userDefinedSymbols;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
    }

    byte[] normalize(final byte[] input) {
        final Prefix prefix = new Prefix();
        int position = 0;
        if (removeExtraWhitespaces) {
            while (position < input.length) {
                normalizePrefix(input, position, prefix);
                if (!prefix.isSingleSpace()) {
                    break;
                }
                position += prefix.consumed;
            }
        }
        if (position == input.length) {
            return new byte[0];
        }
        final ByteBuilder output = new ByteBuilder(input.length * 3 + SPACE_SYMBOL.length);
        final byte[] whitespace = escapeWhitespaces ? SPACE_SYMBOL : SPACE;
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            output.append(whitespace, 0, whitespace.length);
        }
        boolean previousWasSpace = removeExtraWhitespaces;
        while (position < input.length) {
            normalizePrefix(input, position, prefix);
            int start = prefix.start;
            final int end = prefix.start + prefix.length;
            // A run of whitespace collapses: spaces right after a space are dropped, even inside one rule's output.
            while (previousWasSpace && start < end && prefix.source[start] == ' ') {
                start++;
            }
            if (start < end) {
                for (int index = start; index < end; index++) {
                    final byte current = prefix.source[index];
                    if (current == ' ') {
                        output.append(whitespace, 0, whitespace.length);
                    } else {
                        output.append(current);
                    }
                }
                previousWasSpace = prefix.source[end - 1] == ' ';
            }
            position += prefix.consumed;
            if (!removeExtraWhitespaces) {
                previousWasSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            while (output.endsWith(whitespace)) {
                output.truncate(output.length() - whitespace.length);
            }
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            output.append(whitespace, 0, whitespace.length);
        }
        return output.toArray();
    }

    /** Normalises the one rule or character at {@code input[position]}. */
    private void normalizePrefix(final byte[] input, final int position, final Prefix prefix) {
        if (userDefinedSymbols != null) {
            userDefinedSymbols.longestPrefix(input, position, input.length, prefix.scratch);
            if (prefix.scratch[0] > 0) {
                prefix.set(input, position, prefix.scratch[0], prefix.scratch[0]);
                return;
            }
        }
        if (charsMap != null) {
            charsMap.longestMatch(input, position, input.length, prefix.scratch);
            if (prefix.scratch[0] > 0) {
                prefix.set(charsMap.replacements(), prefix.scratch[1], prefix.scratch[2], prefix.scratch[0]);
                return;
            }
        }
        final int characterLength = Utf8.validCharacterLength(input, position, input.length);
        if (characterLength == 0) {
            // Malformed UTF-8: one byte becomes U+FFFD, as sentencepiece does.
            prefix.set(REPLACEMENT_CHARACTER, 0, REPLACEMENT_CHARACTER.length, 1);
        } else {
            prefix.set(input, position, characterLength, characterLength);
        }
    }

    /** The normalised form of one input prefix: {@code source[start, start+length)}, standing for consumed bytes. */
    private static final class Prefix {
        private final int[] scratch = new int[3];
        private byte[] source;
        private int start;
        private int length;
        private int consumed;

        void set(final byte[] newSource, final int newStart, final int newLength, final int newConsumed) {
            source = newSource;
            start = newStart;
            length = newLength;
            consumed = newConsumed;
        }

        boolean isSingleSpace() {
            return length == 1 && source[start] == ' ';
        }
    }

    /** A growable byte array that, unlike ByteArrayOutputStream, can drop its tail. */
    private static final class ByteBuilder {
        private byte[] bytes;
        private int size;

        ByteBuilder(final int capacity) {
            bytes = new byte[Math.max(16, capacity)];
        }

        void append(final byte value) {
            ensure(1);
            bytes[size++] = value;
        }

        void append(final byte[] values, final int from, final int count) {
            ensure(count);
            System.arraycopy(values, from, bytes, size, count);
            size += count;
        }

        boolean endsWith(final byte[] suffix) {
            return size >= suffix.length
                    && Arrays.equals(bytes, size - suffix.length, size, suffix, 0, suffix.length);
        }

        int length() {
            return size;
        }

        void truncate(final int newSize) {
            size = newSize;
        }

        byte[] toArray() {
            return Arrays.copyOf(bytes, size);
        }

        private void ensure(final int extra) {
            if (size + extra > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + extra));
            }
        }
    }
}
