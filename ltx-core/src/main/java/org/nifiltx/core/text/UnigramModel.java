package org.nifiltx.core.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unigram segmentation: the Viterbi path that maximises the summed piece log-probabilities over the normalised
 * UTF-8 bytes, computed the way sentencepiece's optimised encoder does (same candidate order, same float/double
 * arithmetic, same strict comparison), so ties resolve identically.
 */
final class UnigramModel {
    /** Cost sentencepiece charges for an unknown character below the cheapest normal piece. */
    private static final float UNKNOWN_PENALTY = 10.0f;

    private final PieceTrie trie;
    private final float[] scores;
    private final int[] types;
    private final int unknownId;
    private final float minScore;
    private final float maxScore;

    UnigramModel(final List<byte[]> pieceBytes, final float[] scores, final int[] types, final int unknownId) {
        this.scores = scores;
        this.types = types;
        this.unknownId = unknownId;
        float min = Float.MAX_VALUE;
        // sentencepiece starts from FLT_MIN (the smallest positive float), not from -FLT_MAX.
        float max = Float.MIN_NORMAL;
        final List<byte[]> keys = new ArrayList<>();
        final List<Integer> ids = new ArrayList<>();
        for (int id = 0; id < types.length; id++) {
            final int type = types[id];
            if (type == PieceType.NORMAL) {
                min = Math.min(min, scores[id]);
                max = Math.max(max, scores[id]);
            }
            if (type == PieceType.NORMAL || type == PieceType.USER_DEFINED || type == PieceType.UNUSED) {
                keys.add(pieceBytes.get(id));
                ids.add(id);
            }
        }
        this.minScore = min;
        this.maxScore = max;
        this.trie = new PieceTrie(keys, ids.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The best segmentation of {@code normalized}; each unknown character is a piece of its own. */
    Segmentation segment(final byte[] normalized) {
        final int size = normalized.length;
        if (size == 0) {
            return new Segmentation(new int[0], new int[] {0});
        }
        final float unknownScore = minScore - UNKNOWN_PENALTY;
        // Best path ending at each byte position (exclusive end): its score, last piece and where that piece starts.
        final float[] bestScore = new float[size + 1];
        final int[] bestId = new int[size + 1];
        final int[] bestStart = new int[size + 1];
        Arrays.fill(bestStart, -1);
        Arrays.fill(bestId, -1);
        int start = 0;
        while (start < size) {
            final float scoreHere = bestScore[start];
            final int characterLength = Math.min(Utf8.announcedLength(normalized[start]), size - start);
            boolean hasSingleCharacterPiece = false;
            int node = PieceTrie.ROOT;
            for (int end = start + 1; end <= size; end++) {
                node = trie.child(node, normalized[end - 1] & 0xFF);
                if (node == PieceTrie.NONE) {
                    break;
                }
                final int id = trie.value(node);
                if (id == PieceTrie.NONE || types[id] == PieceType.UNUSED) {
                    continue;
                }
                final int length = end - start;
                // sentencepiece's conditional mixes a double with a float, so both arms are doubles; user-defined
                // pieces get a bonus that always beats any split of the same span.
                final double score = types[id] == PieceType.USER_DEFINED
                        ? (double) (length * maxScore) - 0.1
                        : (double) scores[id];
                final double candidate = score + scoreHere;
                if (bestStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = (float) candidate;
                    bestStart[end] = start;
                    bestId[end] = id;
                }
                if (length == characterLength) {
                    hasSingleCharacterPiece = true;
                }
            }
            if (!hasSingleCharacterPiece) {
                final int end = start + characterLength;
                final float candidate = unknownScore + scoreHere;
                if (bestStart[end] == -1 || candidate > bestScore[end]) {
                    bestScore[end] = candidate;
                    bestStart[end] = start;
                    bestId[end] = unknownId;
                }
            }
            start += characterLength;
        }
        int count = 0;
        for (int end = size; end > 0; end = bestStart[end]) {
            count++;
        }
        final int[] ids = new int[count];
        final int[] boundaries = new int[count + 1];
        boundaries[count] = size;
        int index = count;
        for (int end = size; end > 0; end = bestStart[end]) {
            index--;
            ids[index] = bestId[end];
            boundaries[index] = bestStart[end];
        }
        return new Segmentation(ids, boundaries);
    }

    /** Piece {@code i} has id {@code ids[i]} and covers normalised bytes {@code [boundaries[i], boundaries[i+1])}. */
    record Segmentation(int[] ids, int[] boundaries) {
    }
}
