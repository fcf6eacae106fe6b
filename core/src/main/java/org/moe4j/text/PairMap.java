package org.moe4j.text;

import java.util.Arrays;

/**
 * Open-addressing hash map from a token pair (left, right) to an int, without boxing: the lookup of
 * a merge's rank in the innermost loop of encoding.
 */
final class PairMap {
    private long[] keys;
    private int[] values;
    private int size;

    PairMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new int[capacity];
        Arrays.fill(keys, -1L);
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    /** The value of (left, right), or {@code missing}. */
    int get(int left, int right, int missing) {
        long k = key(left, right);
        int mask = keys.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            if (keys[i] == k) {
                return values[i];
            }
            if (keys[i] == -1L) {
                return missing;
            }
        }
    }

    void put(int left, int right, int value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        long k = key(left, right);
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != -1L && keys[i] != k) {
            i = (i + 1) & mask;
        }
        if (keys[i] == -1L) {
            size++;
        }
        keys[i] = k;
        values[i] = value;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(keys, -1L);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != -1L) {
                put((int) (oldKeys[i] >>> 32), (int) oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
