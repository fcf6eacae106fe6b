package org.moe4j.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The k largest entries of each row of a row-major [rows x cols] matrix, in descending order of
 * value, with their column indices. Equal values (including -0.0 and 0.0) are ordered by the lower
 * index first, so the choice is deterministic (docs/routing.md: ties break towards the lower expert).
 * A NaN anywhere in the input is an error naming its row and column: a router that produced NaN
 * has already failed, and no order of NaN is meaningful. The definition is
 * {@link TopKReference}; this class agrees with it exactly.
 * <p>
 * k = 1 is a vectorised arg-max; small k keeps a sorted buffer of the best k seen so far (one
 * comparison per element once the buffer is full); large k sorts keys that pack the value's order
 * and the inverted index into one long.
 */
public final class TopK {
    private TopK() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /**
     * Up to this k, insertion into a sorted buffer: O(cols) for most rows, O(cols * k) at worst (an
     * ascending row); above it, a full sort bounds the work by O(cols log cols).
     */
    private static final int INSERTION_MAX_K = 16;

    // x: (rows, cols)   values, indices: (rows, k)
    /** values[r, j] = x[r, indices[r, j]], the j-th largest of row r, for j in [0, k). */
    public static void topK(float[] x, int xOff, int rows, int cols, int k, float[] values, int valuesOff,
                            int[] indices, int indicesOff) {
        long size = KernelChecks.matrix("topK", rows, cols);
        if (k < 1 || k > cols) {
            throw new IllegalArgumentException("topK: k is " + k + ", must be in [1, " + cols + "] (1 to the " + cols + " columns)");
        }
        KernelChecks.region("topK", "x", x, xOff, size);
        KernelChecks.region("topK", "values", values, valuesOff, (long) rows * k);
        KernelChecks.region("topK", "indices", indices, indicesOff, (long) rows * k);
        requireNoNaN(x, xOff, rows, cols);
        long[] keys = k > INSERTION_MAX_K ? new long[cols] : null;
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols, vr = valuesOff + r * k, ir = indicesOff + r * k;
            if (k == 1) {
                int best = argMax(x, xr, cols);
                values[vr] = x[xr + best];
                indices[ir] = best;
            } else if (keys == null) {
                insertionTopK(x, xr, cols, k, values, vr, indices, ir);
            } else {
                sortedTopK(x, xr, cols, k, values, vr, indices, ir, keys);
            }
        }
    }

    private static void requireNoNaN(float[] x, int xOff, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols;
            if (holdsNaN(x, xr, cols)) {
                int c = 0;
                while (!Float.isNaN(x[xr + c])) {
                    c++;
                }
                throw new IllegalArgumentException("topK: row " + r + " holds NaN at column " + c
                        + "; the largest entries of a row with NaN are undefined");
            }
        }
    }

    private static boolean holdsNaN(float[] x, int xr, int cols) {
        int c = 0;
        for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
            if (FloatVector.fromArray(F, x, xr + c).test(VectorOperators.IS_NAN).anyTrue()) {
                return true;
            }
        }
        for (; c < cols; c++) {
            if (Float.isNaN(x[xr + c])) {
                return true;
            }
        }
        return false;
    }

    /** Index of the largest entry of a row, the lowest index among equals. */
    private static int argMax(float[] x, int xr, int cols) {
        float max = Reductions.max(x, xr, cols);
        int c = 0;
        for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
            var hit = FloatVector.fromArray(F, x, xr + c).compare(VectorOperators.EQ, max);
            if (hit.anyTrue()) {
                return c + hit.firstTrue();
            }
        }
        while (x[xr + c] != max) {
            c++;
        }
        return c;
    }

    /** Keeps values[vr, vr + k) sorted descending; a new element enters only if it beats the k-th. */
    private static void insertionTopK(float[] x, int xr, int cols, int k, float[] values, int vr, int[] indices, int ir) {
        int filled = 0;
        for (int c = 0; c < cols; c++) {
            float v = x[xr + c];
            if (filled == k && !(v > values[vr + k - 1])) {
                continue;
            }
            int p = filled < k ? filled++ : k - 1;
            // shift smaller entries down; an equal entry has a lower index and stays ahead
            while (p > 0 && values[vr + p - 1] < v) {
                values[vr + p] = values[vr + p - 1];
                indices[ir + p] = indices[ir + p - 1];
                p--;
            }
            values[vr + p] = v;
            indices[ir + p] = c;
        }
    }

    /**
     * Sorts keys (order-preserving int of the value) << 32 | (2^32 - 1 - index) ascending and reads the
     * top k from the end: larger value first, and among equal values the larger low word, the lower index.
     */
    private static void sortedTopK(float[] x, int xr, int cols, int k, float[] values, int vr, int[] indices, int ir, long[] keys) {
        for (int c = 0; c < cols; c++) {
            keys[c] = ((long) orderedBits(x[xr + c]) << 32) | (0xFFFF_FFFFL - c);
        }
        Arrays.sort(keys, 0, cols);
        for (int j = 0; j < k; j++) {
            int c = (int) (0xFFFF_FFFFL - (keys[cols - 1 - j] & 0xFFFF_FFFFL));
            values[vr + j] = x[xr + c];
            indices[ir + j] = c;
        }
    }

    /** An int whose signed order is the float order, with -0.0 and 0.0 equal (non-NaN input). */
    private static int orderedBits(float v) {
        int bits = Float.floatToRawIntBits(v + 0f);
        return bits >= 0 ? bits : bits ^ 0x7FFF_FFFF;
    }
}
