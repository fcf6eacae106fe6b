package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

class MatMulTest {
    /** y[r, o] = sum_i x[r, i] W[o, i] + b[o], in double. */
    static double[] linearRef(double[] x, double[] w, double[] b, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        return y;
    }

    @Test
    void linearWithBiasMatchesFiniteDifferences() {
        int rows = 5, in = 7, out = 3;
        GradCheck.check("linear", v -> MatMul.linear(v[0], v[1], v[2]),
                x -> linearRef(x[0], x[1], x[2], rows, in, out),
                GradCheck.randn(1, rows, in), GradCheck.randn(2, out, in), GradCheck.randn(3, out));
    }

    @Test
    void linearWithoutBiasAndLeadingDimensions() {
        int b = 2, s = 3, in = 4, out = 6;
        GradCheck.check("linear (no bias, 3-d input)", v -> MatMul.linear(v[0], v[1], null),
                x -> linearRef(x[0], x[1], null, b * s, in, out),
                GradCheck.randn(4, b, s, in), GradCheck.randn(5, out, in));
    }

    @Test
    void matmulMatchesFiniteDifferences() {
        int m = 3, k = 5, n = 4;
        GradCheck.check("matmul", v -> MatMul.matmul(v[0], v[1]), x -> {
            double[] c = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    for (int p = 0; p < k; p++) c[i * n + j] += x[0][i * k + p] * x[1][p * n + j];
            return c;
        }, GradCheck.randn(6, m, k), GradCheck.randn(7, k, n));
    }

    @Test
    void shapeErrorsNameBothShapes() {
        Variable x = Variable.constant(Tensor.zeros(2, 5));
        Variable w = Variable.parameter(Tensor.zeros(3, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> MatMul.linear(x, w, null));
        assertEquals("linear: input shape [2, 5] must end in 4 to match weight [3, 4]", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(x, w));
        assertTrue(e2.getMessage().contains("[2, 5] and [3, 4]"), e2.getMessage());
    }

    @Test
    void tensorUsedTwiceAccumulatesAndNoGradRecordsNothing() {
        // y = x W^T + x W^T: the gradient of W is twice that of one use
        Tensor xv = GradCheck.randn(8, 4, 3);
        Variable w = Variable.parameter(GradCheck.randn(9, 2, 3));
        Variable x = Variable.constant(xv);
        Variable y1 = MatMul.linear(x, w, null);
        Variable y2 = MatMul.linear(x, w, null);
        Variable sum = Variable.result("add", add(y1.value(), y2.value()), g -> {
            y1.accumulateGrad(g);
            y2.accumulateGrad(g);
        }, y1, y2);
        sum.backward(Tensor.full(1f, 4, 2));
        Tensor twice = w.grad().copy();
        w.zeroGrad();
        MatMul.linear(x, w, null).backward(Tensor.full(1f, 4, 2));
        float[] once = w.grad().toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice.at(i), 1e-5);

        try (var scope = GradMode.noGrad()) {
            Variable z = MatMul.linear(x, w, null);
            assertFalse(z.requiresGrad());
            assertTrue(z.isLeaf());
        }
        assertTrue(GradMode.isEnabled());
    }

    private static Tensor add(Tensor a, Tensor b) {
        Tensor c = a.copy();
        for (int i = 0; i < c.size(); i++) c.data()[i] += b.at(i);
        return c;
    }
}
