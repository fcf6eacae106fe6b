package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

class SoftmaxCrossEntropyTest {
    static double[] logSoftmaxRef(double[] x, int rows, int cols) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]);
            double s = 0;
            for (int c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - max);
            double lse = max + Math.log(s);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] - lse;
        }
        return y;
    }

    @Test
    void softmaxAndLogSoftmaxMatchFiniteDifferences() {
        int rows = 3, cols = 19;
        GradCheck.check("log_softmax", v -> SoftmaxOps.logSoftmax(v[0]), x -> logSoftmaxRef(x[0], rows, cols),
                GradCheck.randn(1, rows, cols));
        GradCheck.check("softmax", v -> SoftmaxOps.softmax(v[0]), x -> {
            double[] y = logSoftmaxRef(x[0], rows, cols);
            for (int i = 0; i < y.length; i++) y[i] = Math.exp(y[i]);
            return y;
        }, GradCheck.randn(2, rows, cols));
    }

    @Test
    void crossEntropyMatchesFiniteDifferencesAndIgnoresPadding() {
        int rows = 5, cols = 7;
        int[] targets = {3, 0, CrossEntropy.IGNORE, 6, 3};
        GradCheck.check("cross_entropy", v -> CrossEntropy.loss(v[0], targets), x -> {
            double[] lp = logSoftmaxRef(x[0], rows, cols);
            double s = 0;
            int n = 0;
            for (int r = 0; r < rows; r++) {
                if (targets[r] == CrossEntropy.IGNORE) continue;
                s -= lp[r * cols + targets[r]];
                n++;
            }
            return new double[] {s / n};
        }, GradCheck.randn(3, rows, cols));
    }

    @Test
    void uniformLogitsGiveLogOfClassCountAndBadTargetsAreNamed() {
        Variable z = Variable.parameter(Tensor.zeros(2, 10));
        assertEquals(Math.log(10), CrossEntropy.loss(z, new int[] {1, 9}).value().item(), 1e-6);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> CrossEntropy.loss(z, new int[] {1, 10}));
        assertEquals("cross_entropy: target 10 at row 1 is out of range [0, 10) (or -100 to ignore the row)", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(z, new int[] {1}));
        assertTrue(e2.getMessage().contains("2 rows but there are 1 targets"), e2.getMessage());
    }
}
