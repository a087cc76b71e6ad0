package org.nifiltx.core.text;

import java.util.List;

/**
 * A byte trie over vocabulary pieces. Transitions live in one open-addressing hash table of primitive arrays, so the
 * 32000-piece T5 vocabulary costs a few megabytes instead of one map object per node.
 */
final class PieceTrie {
    static final int ROOT = 0;
    static final int NONE = -1;

    private final long[] transitionKeys;
    private final int[] transitionTargets;
    private final int mask;
    private int[] nodeValues;
    private int nodeCount;

    /**
     * @param keys UTF-8 bytes of each piece
     * @param values the value stored for each key (a piece id); a key given twice keeps its first value
     */
    PieceTrie(final List<byte[]> keys, final int[] values) {
        long totalBytes = 0;
        for (final byte[] key : keys) {
            totalBytes += key.length;
        }
        // At most one transition per key byte; a load factor of at most one half keeps probe chains short.
        int capacity = 16;
        while (capacity < totalBytes * 2) {
            capacity <<= 1;
        }
        transitionKeys = new long[capacity];
        transitionTargets = new int[capacity];
        mask = capacity - 1;
        nodeValues = new int[16];
        nodeCount = 1;
        nodeValues[ROOT] = NONE;
        for (int index = 0; index < keys.size(); index++) {
            insert(keys.get(index), values[index]);
        }
    }

    /** The node reached from {@code node} by byte {@code label}, or {@link #NONE}. */
    int child(final int node, final int label) {
        final long key = transitionKey(node, label);
        int slot = slotOf(key);
        while (transitionKeys[slot] != 0) {
            if (transitionKeys[slot] == key) {
                return transitionTargets[slot];
            }
            slot = (slot + 1) & mask;
        }
        return NONE;
    }

    /** The value of the key that ends at {@code node}, or {@link #NONE} when no key ends there. */
    int value(final int node) {
        return nodeValues[node];
    }

    /** The value of the longest key that is a prefix of {@code input[start, end)}; its length goes to lengthOut[0]. */
    int longestPrefix(final byte[] input, final int start, final int end, final int[] lengthOut) {
        int node = ROOT;
        int bestValue = NONE;
        int bestLength = 0;
        for (int position = start; position < end; position++) {
            node = child(node, input[position] & 0xFF);
            if (node == NONE) {
                break;
            }
            if (nodeValues[node] != NONE) {
                bestValue = nodeValues[node];
                bestLength = position + 1 - start;
            }
        }
        lengthOut[0] = bestLength;
        return bestValue;
    }

    private void insert(final byte[] key, final int value) {
        int node = ROOT;
        for (final byte current : key) {
            final int label = current & 0xFF;
            final int next = child(node, label);
            node = next != NONE ? next : addTransition(node, label);
        }
        if (nodeValues[node] == NONE) {
            nodeValues[node] = value;
        }
    }

    private int addTransition(final int node, final int label) {
        if (nodeCount == nodeValues.length) {
            final int[] grown = new int[nodeValues.length * 2];
            System.arraycopy(nodeValues, 0, grown, 0, nodeCount);
            nodeValues = grown;
        }
        final int created = nodeCount++;
        nodeValues[created] = NONE;
        final long key = transitionKey(node, label);
        int slot = slotOf(key);
        while (transitionKeys[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        transitionKeys[slot] = key;
        transitionTargets[slot] = created;
        return created;
    }

    /** Plus one so that zero can mark an empty slot. */
    private static long transitionKey(final int node, final int label) {
        return (((long) node << 8) | label) + 1;
    }

    private int slotOf(final long key) {
        final long mixed = key * 0x9E3779B97F4A7C15L;
        return (int) (mixed >>> 32) & mask;
    }
}
