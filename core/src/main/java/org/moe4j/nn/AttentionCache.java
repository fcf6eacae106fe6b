package org.moe4j.nn;

import java.util.Arrays;

/**
 * The keys and values one sequence has produced so far in one attention layer (the KV cache),
 * already rotated; it grows by doubling up to the layer's context length.
 */
public final class AttentionCache {
    private final int width;
    private final int capacityLimit;
    private float[] keys;
    private float[] values;
    private int length;

    // keys, values: (length, kvHeads * headDim)
    public AttentionCache(int width, int capacityLimit) {
        this.width = width;
        this.capacityLimit = capacityLimit;
        int initial = Math.min(capacityLimit, 64);
        this.keys = new float[initial * width];
        this.values = new float[initial * width];
    }

    public int length() {
        return length;
    }

    float[] keys() {
        return keys;
    }

    float[] values() {
        return values;
    }

    /** Appends n rows of keys and values taken from k and v (row stride {@code ld}). */
    void append(float[] k, float[] v, int off, int ld, int n) {
        if (length + n > capacityLimit) {
            throw new IllegalStateException("attention cache: " + length + " + " + n + " positions exceed the context length "
                    + capacityLimit);
        }
        int needed = (length + n) * width;
        if (needed > keys.length) {
            int rows = Math.min(capacityLimit, Math.max(length + n, 2 * keys.length / width));
            keys = Arrays.copyOf(keys, rows * width);
            values = Arrays.copyOf(values, rows * width);
        }
        for (int i = 0; i < n; i++) {
            System.arraycopy(k, off + i * ld, keys, (length + i) * width, width);
            System.arraycopy(v, off + i * ld, values, (length + i) * width, width);
        }
        length += n;
    }
}
