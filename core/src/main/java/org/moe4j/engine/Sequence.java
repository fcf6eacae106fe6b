package org.moe4j.engine;

import java.util.Arrays;

/**
 * The decoding state of one sequence: every layer's cached keys and values, allocated once for the
 * sequence's whole context when it is created, and the number of positions filled.
 */
public final class Sequence {
    final float[][] keys;    // per layer: (capacity, keyWidth)
    final float[][] values;  // per layer: (capacity, valueWidth)
    private final int capacity;
    private int length;

    Sequence(int layers, int capacity, int keyWidth, int valueWidth) {
        this.capacity = capacity;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[Math.multiplyExact(capacity, keyWidth)];
            values[l] = new float[Math.multiplyExact(capacity, valueWidth)];
        }
    }

    /** Positions filled so far. */
    public int length() {
        return length;
    }

    /** The most positions this sequence holds. */
    public int capacity() {
        return capacity;
    }

    void advance(int tokens) {
        length += tokens;
    }

    /** Moves positions [drop, length) of every layer to the front; the caller re-rotates the keys. */
    void dropOldest(int drop, int keyWidth, int valueWidth) {
        int keep = length - drop;
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], drop * keyWidth, keys[l], 0, keep * keyWidth);
            System.arraycopy(values[l], drop * valueWidth, values[l], 0, keep * valueWidth);
        }
        length = keep;
    }

    /**
     * Forgets the positions from {@code length} on: the next tokens take their places. A chat whose new
     * prompt shares only a prefix with what the cache holds keeps that prefix and prefills the rest.
     * Nothing needs clearing: a forward writes every new row's keys and values before any row attends,
     * and a row attends to positions up to its own only.
     */
    public void truncate(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("truncate: length " + length + ", must lie in [0, " + this.length
                    + "] (the positions this sequence holds)");
        }
        this.length = length;
    }

    /** Forgets everything: the sequence starts again at position 0 (the memory is kept). */
    public void reset() {
        length = 0;
        for (float[] k : keys) Arrays.fill(k, 0f);
        for (float[] v : values) Arrays.fill(v, 0f);
    }
}
