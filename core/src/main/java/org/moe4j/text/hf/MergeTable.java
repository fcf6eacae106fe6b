package org.moe4j.text.hf;

import java.util.Arrays;

/**
 * The rank of each BPE merge by its pair of token ids: an open-addressing hash table from the
 * pair (left, right), packed in a long, to an int, without boxing. It is looked up once per
 * adjacent pair while merging, the innermost step of encoding.
 */
final class MergeTable {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] values;
    private final int mask;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /** The value of (left, right), or -1. */
    int get(int left, int right) {
        long k = ((long) left << 32) | (right & 0xffffffffL);
        for (int i = slot(k); ; i = (i + 1) & mask) {
            long found = keys[i];
            if (found == k) {
                return values[i];
            }
            if (found == EMPTY) {
                return -1;
            }
        }
    }

    /** Sets (left, right) to {@code value}, replacing an earlier value (a repeated merge keeps its last rank, as in the library's map). */
    void put(int left, int right, int value) {
        long k = ((long) left << 32) | (right & 0xffffffffL);
        int i = slot(k);
        while (keys[i] != EMPTY && keys[i] != k) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = value;
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
