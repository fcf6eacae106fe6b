package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * Softmax against the double reference: probabilities within 1e-7 + 2e-6 relative, log-probabilities
 * within 2e-6 + 1e-6 relative, gradients within 1e-6 + 1e-5 relative (plus 1e-7 p sum|dy| for the
 * float sum of dy over the row); the reference backward
 * against central differences of the reference forward in double (h = 1e-6, to 1e-7).
 */
class SoftmaxTest {
    private static float[] randomRows(Rng rng, int off, int rows, int cols, double scale, boolean masks) {
        float[] x = normalAt(rng, off, rows * cols, scale);
        if (masks) {
            for (int i = 0; i < rows * cols; i++) {
                if (rng.nextInt(5) == 0) {
                    x[off + i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        return x;
    }

    @Test
    void forwardAgreesWithReference() {
        Rng rng = new Rng(21);
        for (int cols : lengths(rng)) {
            for (boolean masks : new boolean[] {false, true}) {
                int rows = 1 + rng.nextInt(4), off = rng.nextInt(3);
                float[] x = randomRows(rng, off, rows, cols, 1 + rng.nextInt(20), masks);
                float[] y = new float[rows * cols], ref = new float[rows * cols];
                Softmax.softmax(x, off, rows, cols, y, 0);
                SoftmaxReference.rows(x, off, rows, cols, ref, 0, false);
                assertClose(ref, y, 1e-7, 2e-6, "softmax cols=" + cols + " masks=" + masks);
                Softmax.logSoftmax(x, off, rows, cols, y, 0);
                SoftmaxReference.rows(x, off, rows, cols, ref, 0, true);
                assertClose(ref, y, 2e-6, 1e-6, "logSoftmax cols=" + cols + " masks=" + masks);
            }
        }
    }

    @Test
    void backwardAgreesWithReference() {
        Rng rng = new Rng(22);
        for (int cols : lengths(rng)) {
            int rows = 1 + rng.nextInt(3);
            float[] x = randomRows(rng, 0, rows, cols, 3, rng.nextInt(2) == 0);
            float[] dy = normal(rng, rows * cols, 1);
            for (boolean log : new boolean[] {false, true}) {
                float[] y = new float[rows * cols], dx = new float[rows * cols];
                if (log) {
                    Softmax.logSoftmax(x, 0, rows, cols, y, 0);
                    Softmax.logSoftmaxBackward(y, 0, dy, 0, rows, cols, dx, 0);
                } else {
                    Softmax.softmax(x, 0, rows, cols, y, 0);
                    Softmax.softmaxBackward(y, 0, dy, 0, rows, cols, dx, 0);
                }
                for (int r = 0; r < rows; r++) {
                    double[] yr = new double[cols], dyr = new double[cols];
                    for (int c = 0; c < cols; c++) {
                        yr[c] = y[r * cols + c];
                        dyr[c] = dy[r * cols + c];
                    }
                    double[] expected = log ? SoftmaxReference.logSoftmaxBackward(yr, dyr) : SoftmaxReference.softmaxBackward(yr, dyr);
                    double dyMagnitude = 0;
                    for (double v : dyr) dyMagnitude += Math.abs(v);
                    for (int c = 0; c < cols; c++) {
                        float got = dx[r * cols + c];
                        // the float sum of dy (log form) or of y * dy carries an error of order eps * sum|dy|, scaled by p_c
                        double p = log ? Math.exp(yr[c]) : yr[c];
                        double tolerance = 1e-6 + 1e-5 * Math.abs(expected[c]) + 1e-7 * p * dyMagnitude;
                        assertEquals(expected[c], got, tolerance, (log ? "log" : "") + "softmaxBackward cols=" + cols + " c=" + c);
                    }
                }
            }
        }
    }

    @Test
    void referenceBackwardMatchesFiniteDifferences() {
        Rng rng = new Rng(23);
        int n = 9;
        double[] x = new double[n], g = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 2 * rng.nextGaussian();
            g[i] = rng.nextGaussian();
        }
        for (boolean log : new boolean[] {false, true}) {
            double[] y = log ? SoftmaxReference.logSoftmax(x) : SoftmaxReference.softmax(x);
            double[] analytic = log ? SoftmaxReference.logSoftmaxBackward(y, g) : SoftmaxReference.softmaxBackward(y, g);
            double h = 1e-6;
            for (int j = 0; j < n; j++) {
                double[] plus = x.clone(), minus = x.clone();
                plus[j] += h;
                minus[j] -= h;
                double numeric = (objective(plus, g, log) - objective(minus, g, log)) / (2 * h);
                assertEquals(numeric, analytic[j], 1e-7, (log ? "log" : "") + "softmax d/dx" + j);
            }
        }
    }

    private static double objective(double[] x, double[] g, boolean log) {
        double[] y = log ? SoftmaxReference.logSoftmax(x) : SoftmaxReference.softmax(x);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += g[i] * y[i];
        }
        return sum;
    }

    private static float[] softmax(float... x) {
        float[] y = new float[x.length];
        Softmax.softmax(x, 0, 1, x.length, y, 0);
        return y;
    }

    private static float[] logSoftmax(float... x) {
        float[] y = new float[x.length];
        Softmax.logSoftmax(x, 0, 1, x.length, y, 0);
        return y;
    }

    @Test
    void extremeRowsHaveDefinedResults() {
        float inf = Float.POSITIVE_INFINITY;
        assertArrayEquals(new float[] {0.5f, 0.5f}, softmax(1000, 1000));
        assertArrayEquals(new float[] {0.5f, 0.5f}, softmax(-1000, -1000));
        assertArrayEquals(new float[] {1f, 0f}, softmax(1e30f, -1e30f));
        assertArrayEquals(new float[] {1f, 0f, 0f}, softmax(3, -inf, -inf));
        assertArrayEquals(new float[] {0f, 0f, 0f}, softmax(-inf, -inf, -inf));
        assertArrayEquals(new float[] {0.5f, 0f, 0.5f}, softmax(inf, 1, inf));
        assertArrayEquals(new float[] {-(float) Math.log(2), -(float) Math.log(2)}, logSoftmax(1000, 1000), 1e-7f);
        assertArrayEquals(new float[] {-inf, -inf}, logSoftmax(-inf, -inf));
        assertArrayEquals(new float[] {0f, -inf}, logSoftmax(inf, 7));
        assertEquals(-2000f, logSoftmax(1000, -1000)[1]);
        for (float v : softmax(1, Float.NaN, 3)) {
            assertTrue(Float.isNaN(v));
        }
        // the gradient of a fully masked softmax row is zero
        float[] dx = new float[3];
        Softmax.softmaxBackward(new float[3], 0, new float[] {1, 2, 3}, 0, 1, 3, dx, 0);
        assertArrayEquals(new float[3], dx);
    }

    @Test
    void inPlaceAndLargeThreadedInputsGiveTheSameNumbers() {
        Rng rng = new Rng(24);
        int cols = 1001, rows = (int) (KernelPool.MIN_PARALLEL_ELEMENTS / cols) + 3;
        float[] x = normal(rng, rows * cols, 4);
        float[] y = new float[rows * cols];
        Softmax.softmax(x, 0, rows, cols, y, 0);
        float[] single = new float[cols];
        for (int r : new int[] {0, rows / 2, rows - 1}) {
            Softmax.softmax(x, r * cols, 1, cols, single, 0);
            for (int c = 0; c < cols; c++) {
                assertEquals(single[c], y[r * cols + c], "row " + r + " col " + c);
            }
        }
        Softmax.softmax(x, 0, rows, cols, x, 0);
        assertArrayEquals(y, x);
    }

    @Test
    void badShapesAreNamed() {
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> Softmax.softmax(new float[6], 0, 2, 4, new float[8], 0));
        assertEquals("softmax: x needs 8 elements from offset 0, the array has 6", e.getMessage());
        var n = assertThrows(IllegalArgumentException.class,
                () -> Softmax.logSoftmax(new float[6], 0, -2, 3, new float[6], 0));
        assertEquals("logSoftmax: rows is -2, must be >= 0", n.getMessage());
    }

    @Test
    void causalBlocksAgreeWithTheReferenceOnEachRowsPrefixAndAreZeroAfterIt() {
        Rng rng = new Rng(23);
        for (int T : new int[] {1, 2, 15, 16, 17, 33, 128}) {
            int off = rng.nextInt(3);
            float[] s = normalAt(rng, off, T * T, 4);
            for (int i = 0; i < T; i++) {
                for (int j = i + 1; j < T; j++) s[off + i * T + j] = Float.NaN;   // masked scores are never read
            }
            float[] scores = s.clone();
            Softmax.causalInPlace(s, off, T);
            float[] dp = normalAt(rng, 1, T * T, 1);
            float[] dpIn = dp.clone();
            Softmax.causalBackwardInPlace(s, off, dp, 1, T);
            for (int i = 0; i < T; i++) {
                double[] row = new double[i + 1], dRow = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    row[j] = scores[off + i * T + j];
                    dRow[j] = dpIn[1 + i * T + j];
                }
                double[] p = SoftmaxReference.softmax(row);
                double[] ds = SoftmaxReference.softmaxBackward(p, dRow);
                double dySum = 0;
                for (double d : dRow) dySum += Math.abs(d);
                for (int j = 0; j < T; j++) {
                    String at = "T=" + T + " row " + i + " column " + j;
                    if (j > i) {
                        assertEquals(0f, s[off + i * T + j], at);
                        assertEquals(0f, dp[1 + i * T + j], at);
                    } else {
                        assertEquals(p[j], s[off + i * T + j], 1e-7 + 2e-6 * p[j], at);
                        assertEquals(ds[j], dp[1 + i * T + j], 1e-6 + 1e-5 * Math.abs(ds[j]) + 1e-7 * p[j] * dySum, at);
                    }
                }
            }
        }
        var e = assertThrows(IndexOutOfBoundsException.class, () -> Softmax.causalInPlace(new float[8], 0, 3));
        assertTrue(e.getMessage().startsWith("causalSoftmax: s needs 9 elements"), e.getMessage());
    }
}
