package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** Top-k must agree exactly (values and indices) with the selection reference. */
class TopKTest {
    private static void assertAgrees(float[] x, int rows, int cols, int k, String what) {
        float[] values = new float[rows * k + 1], refValues = new float[rows * k + 1];
        int[] indices = new int[rows * k + 1], refIndices = new int[rows * k + 1];
        TopK.topK(x, 0, rows, cols, k, values, 1, indices, 1);
        TopKReference.topK(x, 0, rows, cols, k, refValues, 1, refIndices, 1);
        assertArrayEquals(refIndices, indices, what + " indices");
        assertArrayEquals(refValues, values, what + " values");
    }

    @Test
    void agreesWithReferenceForEveryKIncludingManyTies() {
        Rng rng = new Rng(41);
        for (int cols : new int[] {1, 2, 3, 7, LANES - 1, LANES, LANES + 1, 40, 129}) {
            int rows = 1 + rng.nextInt(4);
            float[] continuous = normal(rng, rows * cols, 1);
            float[] ties = new float[rows * cols];
            for (int i = 0; i < ties.length; i++) {
                int v = rng.nextInt(4);
                ties[i] = v == 0 ? (rng.nextInt(2) == 0 ? -0f : 0f) : v == 3 ? Float.NEGATIVE_INFINITY : v;
            }
            for (int k = 1; k <= cols; k = k < 20 ? k + 1 : k * 2) {
                assertAgrees(continuous, rows, cols, k, "continuous " + rows + "x" + cols + " k=" + k);
                assertAgrees(ties, rows, cols, k, "ties " + rows + "x" + cols + " k=" + k);
            }
            assertAgrees(ties, rows, cols, cols, "ties k=cols");
        }
    }

    @Test
    void knownOrderAndTieBreaking() {
        float[] x = {1, 3, 3, 2, /* row 2 */ 5, 5, 5, 5};
        float[] values = new float[4];
        int[] indices = new int[4];
        TopK.topK(x, 0, 2, 4, 2, values, 0, indices, 0);
        assertArrayEquals(new float[] {3, 3, 5, 5}, values);
        assertArrayEquals(new int[] {1, 2, 0, 1}, indices);
        float[] one = new float[1];
        int[] at = new int[1];
        TopK.topK(new float[] {0f, -0f, -1f}, 0, 1, 3, 1, one, 0, at, 0);
        assertEquals(0, at[0]);
        float[] all = new float[40];
        int[] order = new int[40];
        float[] desc = new float[40];
        for (int i = 0; i < 40; i++) {
            all[i] = i;
        }
        TopK.topK(all, 0, 1, 40, 40, desc, 0, order, 0);
        assertEquals(39, order[0]);
        assertEquals(0, order[39]);
        assertEquals(39f, desc[0]);
    }

    @Test
    void nanAndBadKAreErrorsNamingTheRowAndRange() {
        float[] x = new float[3 * 20];
        x[2 * 20 + 17] = Float.NaN;
        var e = assertThrows(IllegalArgumentException.class,
                () -> TopK.topK(x, 0, 3, 20, 2, new float[6], 0, new int[6], 0));
        assertEquals("topK: row 2 holds NaN at column 17; the largest entries of a row with NaN are undefined", e.getMessage());
        var k0 = assertThrows(IllegalArgumentException.class,
                () -> TopK.topK(new float[8], 0, 1, 8, 0, new float[1], 0, new int[1], 0));
        assertEquals("topK: k is 0, must be in [1, 8] (1 to the 8 columns)", k0.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TopK.topK(new float[8], 0, 1, 8, 9, new float[9], 0, new int[9], 0));
        var out = assertThrows(IndexOutOfBoundsException.class,
                () -> TopK.topK(new float[8], 0, 2, 4, 2, new float[4], 0, new int[3], 0));
        assertEquals("topK: indices needs 4 elements from offset 0, the array has 3", out.getMessage());
    }
}
