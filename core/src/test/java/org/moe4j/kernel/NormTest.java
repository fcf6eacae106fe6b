package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * RMSNorm and LayerNorm against the double references: outputs and saved statistics within
 * 1e-6 + 1e-5 relative, dx within 1e-5 + 1e-4 relative, weight and bias gradients (summed over
 * rows) within 1e-5 * rows + 1e-4 relative; the references' backward against central differences of
 * their forward in double (h = 1e-6, to 1e-7).
 */
class NormTest {
    private static final float EPS = 1e-5f;

    @Test
    void forwardAndStatisticsAgreeWithReference() {
        Rng rng = new Rng(51);
        for (int cols : lengths(rng)) {
            int rows = 1 + rng.nextInt(4), off = rng.nextInt(3);
            float[] x = normalAt(rng, off, rows * cols, 2);
            float[] w = normal(rng, cols, 1), b = normal(rng, cols, 1);
            float[] y = new float[rows * cols], ref = new float[rows * cols];
            float[] stat1 = new float[rows], stat2 = new float[rows];

            RmsNorm.forward(x, off, rows, cols, w, 0, EPS, y, 0, stat1, 0);
            float[] xs = java.util.Arrays.copyOfRange(x, off, off + rows * cols);
            NormReference.forward(false, xs, rows, cols, w, null, EPS, ref);
            assertClose(ref, y, 1e-6, 1e-5, "rmsNorm cols=" + cols);
            for (int r = 0; r < rows; r++) {
                double ms = 0;
                for (int c = 0; c < cols; c++) ms += (double) xs[r * cols + c] * xs[r * cols + c];
                assertEquals(1 / Math.sqrt(ms / cols + EPS), stat1[r], 1e-5 * stat1[r], "invRms row " + r);
            }

            for (float[] bias : new float[][] {b, null}) {
                LayerNorm.forward(x, off, rows, cols, w, 0, bias, 0, EPS, y, 0, stat1, 0, stat2, 0);
                NormReference.forward(true, xs, rows, cols, w, bias, EPS, ref);
                assertClose(ref, y, 1e-6, 1e-5, "layerNorm cols=" + cols + " bias=" + (bias != null));
            }
            for (int r = 0; r < rows; r++) {
                double mean = 0, var = 0;
                for (int c = 0; c < cols; c++) mean += xs[r * cols + c] / (double) cols;
                for (int c = 0; c < cols; c++) var += Math.pow(xs[r * cols + c] - mean, 2) / cols;
                assertEquals(mean, stat1[r], 1e-6 * (1 + Math.abs(mean)), "mean row " + r);
                assertEquals(1 / Math.sqrt(var + EPS), stat2[r], 1e-5 * stat2[r], "invStd row " + r);
            }
        }
    }

    @Test
    void backwardAgreesWithReferenceAndAccumulates() {
        Rng rng = new Rng(52);
        for (int cols : lengths(rng)) {
            int rows = 1 + rng.nextInt(5);
            float[] x = normal(rng, rows * cols, 2), dy = normal(rng, rows * cols, 1);
            float[] w = normal(rng, cols, 1), y = new float[rows * cols];
            float[] stat1 = new float[rows], stat2 = new float[rows];
            float[] dx = new float[rows * cols], refDx = new float[rows * cols];
            for (boolean layer : new boolean[] {false, true}) {
                float[] dw = new float[cols], db = new float[cols];
                java.util.Arrays.fill(dw, 0.5f);
                java.util.Arrays.fill(db, -0.25f);
                double[] refDw = new double[cols], refDb = new double[cols];
                java.util.Arrays.fill(refDw, 0.5);
                java.util.Arrays.fill(refDb, -0.25);
                if (layer) {
                    LayerNorm.forward(x, 0, rows, cols, w, 0, null, 0, EPS, y, 0, stat1, 0, stat2, 0);
                    LayerNorm.backward(x, 0, rows, cols, w, 0, stat1, 0, stat2, 0, dy, 0, dx, 0, dw, 0, db, 0);
                } else {
                    RmsNorm.forward(x, 0, rows, cols, w, 0, EPS, y, 0, stat1, 0);
                    RmsNorm.backward(x, 0, rows, cols, w, 0, stat1, 0, dy, 0, dx, 0, dw, 0);
                }
                NormReference.backward(layer, x, rows, cols, w, EPS, dy, refDx, refDw, refDb);
                String name = (layer ? "layerNorm" : "rmsNorm") + " backward cols=" + cols;
                assertClose(refDx, dx, 1e-5, 1e-4, name + " dx");
                for (int c = 0; c < cols; c++) {
                    assertEquals(refDw[c], dw[c], 1e-5 * rows + 1e-4 * Math.abs(refDw[c]), name + " dWeight " + c);
                    if (layer) {
                        assertEquals(refDb[c], db[c], 1e-5 * rows + 1e-4 * Math.abs(refDb[c]), name + " dBias " + c);
                    }
                }
            }
        }
    }

    @Test
    void referenceBackwardMatchesFiniteDifferences() {
        Rng rng = new Rng(53);
        int n = 7;
        double eps = 1e-5, h = 1e-6;
        double[] x = new double[n], w = new double[n], b = new double[n], g = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rng.nextGaussian();
            w[i] = rng.nextGaussian();
            b[i] = rng.nextGaussian();
            g[i] = rng.nextGaussian();
        }
        for (boolean layer : new boolean[] {false, true}) {
            double[] dw = new double[n], db = new double[n];
            double[] dx = layer ? NormReference.layerNormBackward(x, w, eps, g, dw, db) : NormReference.rmsNormBackward(x, w, eps, g, dw);
            for (int j = 0; j < n; j++) {
                for (int which = 0; which < (layer ? 3 : 2); which++) {
                    double[] target = which == 0 ? x : which == 1 ? w : b;
                    double saved = target[j];
                    target[j] = saved + h;
                    double plus = objective(layer, x, w, b, eps, g);
                    target[j] = saved - h;
                    double minus = objective(layer, x, w, b, eps, g);
                    target[j] = saved;
                    double analytic = which == 0 ? dx[j] : which == 1 ? dw[j] : db[j];
                    assertEquals((plus - minus) / (2 * h), analytic, 1e-7, (layer ? "layerNorm" : "rmsNorm") + " param " + which + " index " + j);
                }
            }
        }
    }

    private static double objective(boolean layer, double[] x, double[] w, double[] b, double eps, double[] g) {
        double[] y = layer ? NormReference.layerNorm(x, w, b, eps) : NormReference.rmsNorm(x, w, eps);
        double sum = 0;
        for (int i = 0; i < y.length; i++) sum += g[i] * y[i];
        return sum;
    }

    @Test
    void layerNormSurvivesALargeCommonOffsetAndThreadsChangeNothing() {
        Rng rng = new Rng(54);
        int cols = 1000, rows = (int) (KernelPool.MIN_PARALLEL_ELEMENTS / cols) + 3;
        float[] x = normal(rng, rows * cols, 1);
        for (int i = 0; i < x.length; i++) x[i] += 1e4f;
        float[] w = new float[cols];
        java.util.Arrays.fill(w, 1f);
        float[] y = new float[rows * cols], ref = new float[rows * cols];
        float[] mean = new float[rows], invStd = new float[rows];
        LayerNorm.forward(x, 0, rows, cols, w, 0, null, 0, EPS, y, 0, mean, 0, invStd, 0);
        NormReference.forward(true, x, rows, cols, w, null, EPS, ref);
        // floats near 1e4 are 1e-3 apart, so inputs (and the float mean) carry errors of that order;
        // a one-pass E[x^2] - E[x]^2 in float (E[x^2] ~ 1e8, spacing 8) would lose the unit variance entirely
        assertClose(ref, y, 5e-3, 0, "layerNorm with offset 1e4");
        float[] single = new float[cols];
        float[] m1 = new float[1], s1 = new float[1];
        LayerNorm.forward(x, (rows - 1) * cols, 1, cols, w, 0, null, 0, EPS, single, 0, m1, 0, s1, 0);
        assertArrayEquals(single, java.util.Arrays.copyOfRange(y, (rows - 1) * cols, rows * cols));
        assertEquals(m1[0], mean[rows - 1]);
    }

    @Test
    void rmsNormBackwardSplitOverThreadsKeepsEveryBit() {
        // large enough for both splits (rows for dx, columns for dWeight); 264 columns leave a tail
        // after the vector lanes; dWeight against a plain float loop over the rows in order
        Rng rng = new Rng(53);
        int saved = KernelPool.threads();
        try {
            for (int cols : new int[] {256, 264}) {
                int rows = 2048;
                float[] x = normal(rng, rows * cols, 2), dy = normal(rng, rows * cols, 1), w = normal(rng, cols, 1);
                float[] invRms = new float[rows];
                RmsNorm.forward(x, 0, rows, cols, w, 0, EPS, new float[rows * cols], 0, invRms, 0);
                float[] start = normal(rng, cols, 1);
                float[] expectedDw = start.clone();
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) expectedDw[c] += dy[r * cols + c] * x[r * cols + c] * invRms[r];
                }
                float[][] dx = new float[2][rows * cols];
                float[][] dw = {start.clone(), start.clone()};
                KernelPool.setThreads(1);
                RmsNorm.backward(x, 0, rows, cols, w, 0, invRms, 0, dy, 0, dx[0], 0, dw[0], 0);
                KernelPool.setThreads(saved);
                RmsNorm.backward(x, 0, rows, cols, w, 0, invRms, 0, dy, 0, dx[1], 0, dw[1], 0);
                assertArrayEquals(dx[0], dx[1], "dx, 1 thread against " + saved + ", cols=" + cols);
                assertArrayEquals(expectedDw, dw[0], "dWeight on 1 thread, cols=" + cols);
                assertArrayEquals(expectedDw, dw[1], "dWeight on " + saved + " threads, cols=" + cols);
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void rmsNormBackwardAddsAGradientSoFarWithTheBitsOfASeparateAddition() {
        // dx = addend + formula, into a new array and in place, against the formula's dx then
        // Elementwise.addInto; 264 columns leave a scalar tail, 2048 rows split over the threads
        Rng rng = new Rng(59);
        for (int cols : new int[] {256, 264}) {
            int rows = 2048;
            float[] x = normal(rng, rows * cols, 2), dy = normal(rng, rows * cols, 1), w = normal(rng, cols, 1);
            float[] sofar = normal(rng, rows * cols, 3);
            float[] invRms = new float[rows];
            RmsNorm.forward(x, 0, rows, cols, w, 0, EPS, new float[rows * cols], 0, invRms, 0);
            float[] expected = new float[rows * cols];
            RmsNorm.backward(x, 0, rows, cols, w, 0, invRms, 0, dy, 0, expected, 0, new float[cols], 0);
            Elementwise.addInto(sofar, 0, expected, 0, rows * cols);

            float[] fused = new float[rows * cols + 5];
            RmsNorm.backward(x, 0, rows, cols, w, 0, invRms, 0, dy, 0, fused, 5, sofar, 0, new float[cols], 0);
            assertArrayEquals(expected, java.util.Arrays.copyOfRange(fused, 5, fused.length), "into a new dx, cols=" + cols);
            float[] inPlace = sofar.clone();
            RmsNorm.backward(x, 0, rows, cols, w, 0, invRms, 0, dy, 0, inPlace, 0, inPlace, 0, new float[cols], 0);
            assertArrayEquals(expected, inPlace, "in place, cols=" + cols);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        var eps = assertThrows(IllegalArgumentException.class,
                () -> RmsNorm.forward(new float[4], 0, 2, 2, new float[2], 0, -1f, new float[4], 0, new float[2], 0));
        assertEquals("rmsNorm: epsilon is -1.0, must be finite and >= 0", eps.getMessage());
        var w = assertThrows(IndexOutOfBoundsException.class,
                () -> LayerNorm.forward(new float[6], 0, 2, 3, new float[2], 0, null, 0, EPS, new float[6], 0, new float[2], 0, new float[2], 0));
        assertEquals("layerNorm: weight needs 3 elements from offset 0, the array has 2", w.getMessage());
        var stats = assertThrows(IndexOutOfBoundsException.class,
                () -> RmsNorm.backward(new float[6], 0, 2, 3, new float[3], 0, new float[1], 0, new float[6], 0, new float[6], 0, new float[3], 0));
        assertEquals("rmsNormBackward: invRms needs 2 elements from offset 0, the array has 1", stats.getMessage());
    }
}
