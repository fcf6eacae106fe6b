package org.moe4j.nn;

import java.util.Arrays;

/**
 * The keys and values one sequence has produced so far in one attention layer (the KV cache),
 * already rotated; it grows by doubling up to the layer's context length.
 *
 * <p>Keys are kept transposed, as {@link org.moe4j.kernel.CachedAttention} reads them: row
 * c = g * headDim + d (component d of kv head g) holds that component for positions 0, 1, ...
 * contiguously, rows {@link #capacity()} apart, so a query's scores vectorise over positions.
 * Growing re-lays every row at the new stride. Values stay one position per row.
 *
 * <p>{@link #dropOldest} forgets the oldest positions and moves the rest to the front (a context
 * shift); the keys keep their rotation, which {@link CausalSelfAttention#shiftCache} then corrects.
 */
public final class AttentionCache {
    private final int width;
    private final int capacityLimit;
    private int capacity;
    private float[] transposedKeys;
    private float[] values;
    private int length;

    // transposedKeys: (width, capacity)   values: (capacity, width), width = kvHeads * headDim
    public AttentionCache(int width, int capacityLimit) {
        this.width = width;
        this.capacityLimit = capacityLimit;
        this.capacity = Math.min(capacityLimit, 64);
        this.transposedKeys = new float[capacity * width];
        this.values = new float[capacity * width];
    }

    public int length() {
        return length;
    }

    /** Positions the arrays hold room for, the row stride of {@link #transposedKeys()}. */
    int capacity() {
        return capacity;
    }

    // (width, capacity): key component c of position j at c * capacity + j
    float[] transposedKeys() {
        return transposedKeys;
    }

    // (capacity, width): value component c of position j at j * width + c
    float[] values() {
        return values;
    }

    /** Appends n rows of keys and values taken from k and v (row stride {@code ld}). */
    void append(float[] k, float[] v, int off, int ld, int n) {
        if (length + n > capacityLimit) {
            throw new IllegalStateException("attention cache: " + length + " + " + n + " positions exceed the context length "
                    + capacityLimit);
        }
        if (length + n > capacity) {
            grow(Math.min(capacityLimit, Math.max(length + n, 2 * capacity)));
        }
        for (int c = 0; c < width; c++) {
            int row = c * capacity + length;
            for (int i = 0; i < n; i++) {
                transposedKeys[row + i] = k[off + i * ld + c];
            }
        }
        for (int i = 0; i < n; i++) {
            System.arraycopy(v, off + i * ld, values, (length + i) * width, width);
        }
        length += n;
    }

    /**
     * Forgets the oldest {@code drop} positions: the last length - drop positions move to the front,
     * position j + drop becoming j, at the same capacity. The keys are moved as they are, still
     * rotated for their old positions.
     */
    void dropOldest(int drop) {
        if (drop == 0) return;
        if (drop < 0 || drop >= length) {
            throw new IllegalArgumentException("attention cache: cannot drop " + drop + " of " + length
                    + " positions; drop must be >= 0 and less than the length (at least one position stays)");
        }
        int kept = length - drop;
        for (int c = 0; c < width; c++) {
            System.arraycopy(transposedKeys, c * capacity + drop, transposedKeys, c * capacity, kept);
        }
        System.arraycopy(values, drop * width, values, 0, kept * width);
        length = kept;
    }

    private void grow(int newCapacity) {
        float[] keys = new float[width * newCapacity];
        for (int c = 0; c < width; c++) {
            System.arraycopy(transposedKeys, c * capacity, keys, c * newCapacity, length);
        }
        transposedKeys = keys;
        values = Arrays.copyOf(values, newCapacity * width);
        capacity = newCapacity;
    }
}
