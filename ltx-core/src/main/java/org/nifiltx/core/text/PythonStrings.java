package org.nifiltx.core.text;

/** Python's {@code str.strip()}, whose notion of whitespace differs from {@link String#strip()}. */
final class PythonStrings {
    private PythonStrings() {
    }

    static String strip(final String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }

    /**
     * Python's {@code str.isspace()} characters: bidirectional class WS, B or S, or category Zs. Unlike Java's
     * definition this includes the no-break spaces U+00A0, U+2007, U+202F and NEL U+0085. All lie in the BMP.
     */
    static boolean isWhitespace(final char character) {
        return switch (character) {
            case '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ', '\u0085', '\u00A0',
                    '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000' -> true;
            default -> character >= '\u2000' && character <= '\u200A';
        };
    }
}
