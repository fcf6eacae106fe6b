package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

class NormalizationTest {
    static double[] rmsRef(double[] x, double[] w, int rows, int cols, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int c = 0; c < cols; c++) ms += x[r * cols + c] * x[r * cols + c];
            double inv = 1 / Math.sqrt(ms / cols + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] * inv * w[c];
        }
        return y;
    }

    static double[] layerRef(double[] x, double[] w, double[] b, int rows, int cols, double eps) {
        double[] y = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            for (int c = 0; c < cols; c++) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            double inv = 1 / Math.sqrt(var / cols + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - mean) * inv * w[c] + (b == null ? 0 : b[c]);
        }
        return y;
    }

    @Test
    void rmsNormMatchesFiniteDifferences() {
        int rows = 4, cols = 21;
        GradCheck.check("rms_norm", v -> Normalization.rmsNorm(v[0], v[1], 1e-5f), x -> rmsRef(x[0], x[1], rows, cols, 1e-5),
                GradCheck.randn(1, rows, cols), GradCheck.randn(2, cols));
    }

    @Test
    void rmsNormOnAResidualStreamAddsTheGradientItAlreadyHas() {
        // x + rmsNorm(x): the addition's backward gives x its gradient first, which the norm's
        // backward adds as it writes dx; a leaf x owns that gradient (added in place), an
        // intermediate one (2x here) shares it with the addition's other input (added into a new dx)
        int rows = 4, cols = 21;
        GradCheck.check("x + rms_norm(x), x a leaf", v -> Arithmetic.add(v[0], Normalization.rmsNorm(v[0], v[1], 1e-5f)), x -> {
            double[] y = rmsRef(x[0], x[1], rows, cols, 1e-5);
            for (int i = 0; i < y.length; i++) y[i] += x[0][i];
            return y;
        }, GradCheck.randn(11, rows, cols), GradCheck.randn(12, cols));
        GradCheck.check("2x + rms_norm(2x)", v -> {
            Variable twice = Arithmetic.add(v[0], v[0]);
            return Arithmetic.add(twice, Normalization.rmsNorm(twice, v[1], 1e-5f));
        }, x -> {
            double[] twice = new double[x[0].length];
            for (int i = 0; i < twice.length; i++) twice[i] = 2 * x[0][i];
            double[] y = rmsRef(twice, x[1], rows, cols, 1e-5);
            for (int i = 0; i < y.length; i++) y[i] += twice[i];
            return y;
        }, GradCheck.randn(13, rows, cols), GradCheck.randn(14, cols));
    }

    @Test
    void layerNormWithAndWithoutBiasMatchesFiniteDifferences() {
        int rows = 3, cols = 18;
        GradCheck.check("layer_norm", v -> Normalization.layerNorm(v[0], v[1], v[2], 1e-5f),
                x -> layerRef(x[0], x[1], x[2], rows, cols, 1e-5), GradCheck.randn(3, rows, cols), GradCheck.randn(4, cols),
                GradCheck.randn(5, cols));
        GradCheck.check("layer_norm (no bias)", v -> Normalization.layerNorm(v[0], v[1], null, 1e-5f),
                x -> layerRef(x[0], x[1], null, 10, cols, 1e-5), GradCheck.randn(6, 2, 5, cols), GradCheck.randn(7, cols));
    }

    @Test
    void embeddingAccumulatesRepeatedIds() {
        int[] ids = {2, 0, 2, 3};
        int vocab = 5, d = 3;
        GradCheck.check("embedding", v -> EmbeddingLookup.apply(v[0], ids), x -> {
            double[] out = new double[ids.length * d];
            for (int i = 0; i < ids.length; i++)
                for (int c = 0; c < d; c++) out[i * d + c] = x[0][ids[i] * d + c];
            return out;
        }, GradCheck.randn(8, vocab, d));
        Variable table = Variable.parameter(Tensor.zeros(vocab, d));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> EmbeddingLookup.apply(table, new int[] {1, 5}));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("[0, 5)"), e.getMessage());
    }

    @Test
    void weightShapeErrorsAreNamed() {
        Variable x = Variable.constant(Tensor.zeros(2, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> Normalization.rmsNorm(x, Variable.parameter(Tensor.zeros(3)), 1e-5f));
        assertEquals("rms_norm: weight shape [3] must be [4] to match input [2, 4]", e.getMessage());
    }
}
