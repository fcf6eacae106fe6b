package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * Gather must equal the reference exactly; scatter-add and its backward within 1e-6 + 1e-6 relative
 * (fused vs double rounding, and a lane-wise dot product for the weight gradient); the backward
 * against central differences of the objective sum(G * out) evaluated in double.
 */
class GatherScatterTest {
    private static int[] randomIndex(Rng rng, int n, int bound) {
        int[] index = new int[n + 2];
        for (int i = 0; i < index.length; i++) {
            index[i] = rng.nextInt(bound);
        }
        return index;
    }

    @Test
    void gatherAndScatterAgreeWithReference() {
        Rng rng = new Rng(61);
        for (int cols : new int[] {1, 2, 5, LANES - 1, LANES, LANES + 1, 67, 300}) {
            int xRows = 1 + rng.nextInt(9), n = 1 + rng.nextInt(20);
            int[] index = randomIndex(rng, n, xRows);
            float[] x = normalAt(rng, 3, xRows * cols, 1);
            float[] out = new float[n * cols + 1], ref = new float[n * cols + 1];
            GatherScatter.gatherRows(x, 3, xRows, cols, index, 2, n, out, 1);
            GatherScatterReference.gatherRows(x, 3, cols, index, 2, n, ref, 1);
            assertArrayEquals(ref, out, "gather cols=" + cols);

            float[] src = normal(rng, n * cols, 1), w = normal(rng, n, 1);
            for (float[] weight : new float[][] {w, null}) {
                float[] acc = normal(rng, xRows * cols, 1);
                float[] accRef = acc.clone();
                GatherScatter.scatterAddRows(src, 0, n, cols, weight, 0, index, 2, acc, 0, xRows);
                GatherScatterReference.scatterAddRows(src, 0, n, cols, weight, 0, index, 2, accRef, 0);
                assertClose(accRef, acc, 1e-6, 1e-6, "scatterAdd cols=" + cols + " weighted=" + (weight != null));
            }

            float[] dOut = normal(rng, xRows * cols, 1);
            float[] dx = new float[n * cols], dw = new float[n], refDx = new float[n * cols], refDw = new float[n];
            GatherScatter.scatterAddRowsBackward(dOut, 0, xRows, cols, src, 0, w, 0, index, 2, n, dx, 0, dw, 0);
            GatherScatterReference.scatterAddRowsBackward(dOut, 0, cols, src, 0, w, 0, index, 2, n, refDx, 0, refDw, 0);
            assertClose(refDx, dx, 1e-6, 1e-6, "scatterAddBackward dx cols=" + cols);
            assertClose(refDw, dw, 1e-5, 1e-5, "scatterAddBackward dWeight cols=" + cols);
        }
    }

    /**
     * combineRows against the double reference (within float rounding of a sum of a few terms) and, bit
     * for bit, against the scatter-add loop it replaces in the MoE layer (out[t, :] += w * x[r, :] over
     * a zeroed out, product rounded before the sum); tokens with no rows come out zero.
     */
    @Test
    void combineRowsAgreesWithReferenceAndWithTheScatterLoopBitForBit() {
        Rng rng = new Rng(63);
        for (int cols : new int[] {1, 5, LANES - 1, LANES, LANES + 1, 67, 300}) {
            int tokens = 1 + rng.nextInt(12), xRows = 1 + rng.nextInt(30);
            int[] start = new int[tokens + 1];
            for (int t = 0; t < tokens; t++) {
                start[t + 1] = start[t] + rng.nextInt(7); // 0 to 6 rows per token
            }
            int[] rows = randomIndex(rng, start[tokens], xRows);
            float[] x = normalAt(rng, 2, xRows * cols, 1), w = normal(rng, xRows, 1);
            for (float[] weight : new float[][] {w, null}) {
                float[] out = normal(rng, tokens * cols + 1, 1), ref = new float[tokens * cols + 1], loop = new float[tokens * cols + 1];
                out[0] = ref[0] = loop[0] = 7f;
                GatherScatter.combineRows(x, 2, xRows, cols, weight, start, rows, 0, tokens, out, 1);
                GatherScatterReference.combineRows(x, 2, cols, weight, start, rows, 0, tokens, ref, 1);
                assertClose(ref, out, 1e-6, 1e-6, "combineRows cols=" + cols + " weighted=" + (weight != null));
                for (int t = 0; t < tokens; t++) {
                    for (int i = start[t]; i < start[t + 1]; i++) {
                        float g = weight == null ? 1f : weight[rows[i]];
                        for (int c = 0; c < cols; c++) {
                            loop[1 + t * cols + c] += weight == null ? x[2 + rows[i] * cols + c] : g * x[2 + rows[i] * cols + c];
                        }
                    }
                }
                assertArrayEquals(loop, out, "combineRows against the scatter loop, cols=" + cols + " weighted=" + (weight != null));
            }
        }
    }

    @Test
    void combineRowsRefusesRowsOutOfRangeAndTokensPastStart() {
        float[] x = new float[6], out = new float[6];
        var bad = assertThrows(IndexOutOfBoundsException.class,
                () -> GatherScatter.combineRows(x, 0, 3, 2, null, new int[] {0, 2, 3}, new int[] {0, 3, 1}, 0, 2, out, 0));
        assertTrue(bad.getMessage().contains("combineRows: index[1] = 3 is out of range [0, 3)"), bad.getMessage());
        var past = assertThrows(IndexOutOfBoundsException.class,
                () -> GatherScatter.combineRows(x, 0, 3, 2, null, new int[] {0, 2}, new int[] {0, 1}, 0, 2, out, 0));
        assertTrue(past.getMessage().contains("tokens [0, 2) must lie in [0, 1)"), past.getMessage());
    }

    /** sum over i, c of G[index[i], c] * w[i] * x[i, c]: the objective sum(G * scatterAdd(x, w)) in double. */
    private static double objective(double[] g, double[] x, double[] w, int[] index, int n, int cols) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) {
                sum += g[index[i] * cols + c] * w[i] * x[i * cols + c];
            }
        }
        return sum;
    }

    @Test
    void scatterAddBackwardMatchesFiniteDifferences() {
        Rng rng = new Rng(62);
        int n = 6, cols = 5, outRows = 3;
        int[] index = {2, 0, 2, 1, 2, 0};
        float[] x = normal(rng, n * cols, 1), w = normal(rng, n, 1), g = normal(rng, outRows * cols, 1);
        float[] dx = new float[n * cols], dw = new float[n];
        GatherScatter.scatterAddRowsBackward(g, 0, outRows, cols, x, 0, w, 0, index, 0, n, dx, 0, dw, 0);
        double[] xd = new double[n * cols], wd = new double[n], gd = new double[outRows * cols];
        for (int i = 0; i < xd.length; i++) xd[i] = x[i];
        for (int i = 0; i < n; i++) wd[i] = w[i];
        for (int i = 0; i < gd.length; i++) gd[i] = g[i];
        double h = 1e-5;
        for (int j = 0; j < xd.length; j++) {
            xd[j] += h;
            double plus = objective(gd, xd, wd, index, n, cols);
            xd[j] -= 2 * h;
            double minus = objective(gd, xd, wd, index, n, cols);
            xd[j] += h;
            assertEquals((plus - minus) / (2 * h), dx[j], 1e-6, "dx " + j);
        }
        for (int i = 0; i < n; i++) {
            wd[i] += h;
            double plus = objective(gd, xd, wd, index, n, cols);
            wd[i] -= 2 * h;
            double minus = objective(gd, xd, wd, index, n, cols);
            wd[i] += h;
            assertEquals((plus - minus) / (2 * h), dw[i], 1e-5, "dWeight " + i);
        }
    }

    @Test
    void gatherBackwardIsAnUnweightedScatterAddThatCountsRepeats() {
        float[] dOut = {1, 1, 1, 1, 1, 1};
        float[] dx = new float[4];
        GatherScatter.scatterAddRows(dOut, 0, 3, 2, null, 0, new int[] {1, 1, 0}, 0, dx, 0, 2);
        assertArrayEquals(new float[] {1, 1, 2, 2}, dx);
    }

    @Test
    void outOfRangeIndicesNameThePositionAndWriteNothing() {
        float[] out = {9, 9, 9, 9};
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> GatherScatter.gatherRows(new float[6], 0, 3, 2, new int[] {0, 3}, 0, 2, out, 0));
        assertEquals("gatherRows: index[1] = 3 is out of range [0, 3) (position 1 of 2)", e.getMessage());
        assertArrayEquals(new float[] {9, 9, 9, 9}, out);
        var neg = assertThrows(IndexOutOfBoundsException.class,
                () -> GatherScatter.scatterAddRows(new float[4], 0, 2, 2, null, 0, new int[] {1, -1}, 0, out, 0, 2));
        assertEquals("scatterAddRows: index[1] = -1 is out of range [0, 2) (position 1 of 2)", neg.getMessage());
        assertArrayEquals(new float[] {9, 9, 9, 9}, out);
        var shortIndex = assertThrows(IndexOutOfBoundsException.class,
                () -> GatherScatter.gatherRows(new float[6], 0, 3, 2, new int[] {0}, 0, 2, out, 0));
        assertEquals("gatherRows: index needs 2 elements from offset 0, the array has 1", shortIndex.getMessage());
    }
}
