package org.nifiltx.core.text;

/**
 * One prompt encoded to a fixed length: the piece ids, {@code </s>}, then padding; the mask is 1 for the pieces and
 * the {@code </s>}, 0 for padding, as the T5 encoder expects.
 */
public record Encoding(long[] inputIds, long[] attentionMask) {
}
