package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.ActivationsReference;
import org.moe4j.tensor.Tensor;

/** UltraFastBERT's trees of single GELU neurons against a per-token double reference. */
class UltraFastFeedForwardTest {
    // p: x (T, in), linear_in.weight (k N, in), linear_in.bias (k N), linear_out.weight (out, k N)   result: (T, out)
    static double[] reference(double[][] p, UltraFastConfig c) {
        int in = c.inputWidth();
        int out = c.outputWidth();
        int neurons = c.neurons();
        int tokens = p[0].length / in;
        double[] y = new double[tokens * out];
        for (int t = 0; t < tokens; t++) {
            for (int tree = 0; tree < c.trees(); tree++) {
                int node = 0;
                for (int level = 0; level <= c.depth(); level++) {
                    int n = tree * c.nodesPerTree() + node;
                    double a = p[2][n];
                    for (int i = 0; i < in; i++) a += p[0][t * in + i] * p[1][n * in + i];
                    double h = ActivationsReference.gelu(a);
                    for (int o = 0; o < out; o++) y[t * out + o] += h * p[3][o * neurons + n];
                    node = a > 0 ? 2 * node + 2 : 2 * node + 1;
                }
            }
        }
        return y;
    }

    private static double[][] weights(UltraFastFeedForward layer, Tensor x) {
        return new double[][] {GradCheck.toDouble(x), GradCheck.toDouble(layer.linearIn().weight().value()),
                GradCheck.toDouble(layer.linearIn().bias().value()), GradCheck.toDouble(layer.linearOut().weight().value())};
    }

    @Test
    void trainingAndConditionalInferenceMatchTheReference() {
        for (int depth = 0; depth <= 6; depth++) {
            UltraFastConfig c = UltraFastConfig.of(12, 5, depth, 3).withSeed(depth);
            UltraFastFeedForward layer = new UltraFastFeedForward(c);
            Tensor x = GradCheck.randn(40 + depth, 2, 4, 12);
            double[] expected = reference(weights(layer, x), c);
            Tensor train = layer.forward(Variable.constant(x)).value();
            assertArrayEquals(new int[] {2, 4, 5}, train.shape());
            Tensor infer = layer.infer(x);
            assertArrayEquals(new int[] {2, 4, 5}, infer.shape());
            for (int i = 0; i < expected.length; i++) {
                double tol = 1e-5 + 1e-4 * Math.abs(expected[i]);
                assertEquals(expected[i], train.at(i), tol, "train, depth " + depth + " element " + i);
                assertEquals(expected[i], infer.at(i), tol, "infer, depth " + depth + " element " + i);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesAndReachOnlyThePath() {
        UltraFastConfig c = UltraFastConfig.of(4, 3, 2, 2).withSeed(9);
        UltraFastFeedForward layer = new UltraFastFeedForward(c);
        Tensor x = GradCheck.randn(50, 1, 4);
        GradCheck.check("ultrafast", v -> {
            layer.linearIn().weight().value().copyFrom(v[1].value());
            layer.linearIn().bias().value().copyFrom(v[2].value());
            layer.linearOut().weight().value().copyFrom(v[3].value());
            return layer.forward(v[0]);
        }, p -> reference(p, c), new Tensor[] {x, layer.linearIn().weight().value().copy(),
                layer.linearIn().bias().value().copy(), layer.linearOut().weight().value().copy()},
                new boolean[] {true, false, false, false}, GradCheck.DEFAULT);
        layer.zeroGrad();
        layer.forward(Variable.constant(x)).backward(Tensor.full(1f, 1, 3));
        float[] gb = layer.linearIn().bias().grad().toArray();
        int nonZero = 0;
        for (float g : gb) if (g != 0f) nonZero++;
        assertEquals(c.trees() * (c.depth() + 1), nonZero, "one token reaches D + 1 neurons per tree");
    }

    @Test
    void parameterGradientsMatchFiniteDifferencesOfTheReference() {
        UltraFastConfig c = UltraFastConfig.of(5, 3, 2, 2).withSeed(4);
        UltraFastFeedForward layer = new UltraFastFeedForward(c);
        Tensor x = GradCheck.randn(51, 6, 5);
        Tensor r = GradCheck.randn(52, 6, 3);
        layer.forward(Variable.constant(x)).backward(r);
        double[][] p = weights(layer, x);
        double[] rd = GradCheck.toDouble(r);
        Tensor[] grads = {null, layer.linearIn().weight().grad(), layer.linearIn().bias().grad(),
                layer.linearOut().weight().grad()};
        for (int i = 1; i <= 3; i++) {
            float[] analytic = grads[i].toArray();
            for (int j = 0; j < p[i].length; j++) {
                double keep = p[i][j];
                p[i][j] = keep + 1e-6;
                double up = dot(reference(p, c), rd);
                p[i][j] = keep - 1e-6;
                double down = dot(reference(p, c), rd);
                p[i][j] = keep;
                double numeric = (up - down) / 2e-6;
                assertEquals(numeric, analytic[j], 2e-4 + 2e-3 * Math.abs(numeric), "parameter " + i + " element " + j);
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void badTreesAreRejected() {
        assertEquals("UltraFastConfig: depth is -1, must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> UltraFastConfig.of(4, 4, -1, 1)).getMessage());
        assertEquals("UltraFastConfig: trees is 0, must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> UltraFastConfig.of(4, 4, 3, 0)).getMessage());
        String m = assertThrows(IllegalArgumentException.class, () -> UltraFastConfig.of(768, 768, 40, 4)).getMessage();
        assertTrue(m.contains("needs ") && m.contains("PiB"), m);
    }
}
