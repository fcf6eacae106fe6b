package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Tensor;

/**
 * The fused q/k/v projection, RoPE and attention: against finite differences of a double reference
 * built from the definitions, and against the three separate products, RoPE and attention it
 * replaces in training (every bit when q, k and v are equally wide).
 */
class ProjectedAttentionTest {
    private static final double THETA = 10000.0;

    /** x W^T in double: x [rows, d], w [out, d]. */
    private static double[] linearRef(double[] x, double[] w, int rows, int d, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < out; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) s += x[r * d + c] * w[j * d + c];
                y[r * out + j] = s;
            }
        return y;
    }

    private static double[] reference(double[][] in, int B, int T, int H, int G, int D, int d) {
        int rows = B * T;
        double[] q = AttentionTest.ropeRef(linearRef(in[0], in[1], rows, d, H * D), rows, T, H, D, THETA, 0);
        double[] k = AttentionTest.ropeRef(linearRef(in[0], in[2], rows, d, G * D), rows, T, G, D, THETA, 0);
        double[] v = linearRef(in[0], in[3], rows, d, G * D);
        return AttentionTest.attentionRef(q, k, v, B, T, H, G, D);
    }

    @Test
    void groupedQueryHeadsMatchFiniteDifferences() {
        int B = 2, T = 5, H = 4, G = 2, D = 4, d = 6;
        GradCheck.check("projected_attention (GQA 4/2)", v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA),
                x -> reference(x, B, T, H, G, D, d),
                GradCheck.randn(21, B * T, d), GradCheck.randn(22, H * D, d), GradCheck.randn(23, G * D, d), GradCheck.randn(24, G * D, d));
    }

    @Test
    void sequencesLongEnoughForTheBlockedProductsMatchFiniteDifferences() {
        int B = 1, T = 20, H = 2, G = 2, D = 6, d = 10;
        GradCheck.check("projected_attention (T=20)", v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA),
                x -> reference(x, B, T, H, G, D, d),
                GradCheck.randn(25, B * T, d), GradCheck.randn(26, H * D, d), GradCheck.randn(27, G * D, d), GradCheck.randn(28, G * D, d));
    }

    /** Forward values and the gradients of x and the three weights, for the same upstream gradient. */
    private static Tensor[] run(Function<Variable[], Variable> f, Tensor[] inputs) {
        Variable[] vars = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) vars[i] = Variable.parameter(inputs[i].copy());
        Variable out = f.apply(vars);
        out.backward(Init.normal(Tensor.zeros(out.value().shape()), new Rng(99), 0, 1));
        return new Tensor[] {out.value(), vars[0].grad(), vars[1].grad(), vars[2].grad(), vars[3].grad()};
    }

    private static Variable separate(Variable[] v, int T, int H, int G, int D) {
        Variable q = CausalAttention.rope(MatMul.linear(v[0], v[1], null), T, H, D, THETA, 0);
        Variable k = CausalAttention.rope(MatMul.linear(v[0], v[2], null), T, G, D, THETA, 0);
        return CausalAttention.apply(q, k, MatMul.linear(v[0], v[3], null), T, H, G, D);
    }

    @Test
    void equalWidthsGiveTheBitsOfThreeSeparateProducts() {
        // the default model's heads (4 of 64: q, k and v each 256 wide, one depth block of dx's
        // product each) on a narrower input; 64 rows take the packed GEMM
        int B = 2, T = 32, H = 4, G = 4, D = 64, d = 32;
        Tensor[] inputs = {GradCheck.randn(31, B * T, d), GradCheck.randn(32, H * D, d), GradCheck.randn(33, G * D, d),
                GradCheck.randn(34, G * D, d)};
        Tensor[] fused = run(v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA), inputs);
        Tensor[] apart = run(v -> separate(v, T, H, G, D), inputs);
        String[] names = {"output", "dx", "dWq", "dWk", "dWv"};
        for (int i = 0; i < names.length; i++) {
            assertArrayEquals(apart[i].toArray(), fused[i].toArray(), names[i]);
        }
    }

    @Test
    void reusedArraysGiveTheBitsOfNewOnes() {
        // the second pass takes the arrays the first gave back, full of its values; GQA heads, so that
        // dK and dV are written by one head and added to by the next
        int B = 2, T = 32, H = 4, G = 2, D = 16, d = 24;
        Tensor[] first = {GradCheck.randn(51, B * T, d), GradCheck.randn(52, H * D, d), GradCheck.randn(53, G * D, d),
                GradCheck.randn(54, G * D, d)};
        Tensor[] second = {GradCheck.randn(55, B * T, d), GradCheck.randn(56, H * D, d), GradCheck.randn(57, G * D, d),
                GradCheck.randn(58, G * D, d)};
        ScratchArrays scratch = new ScratchArrays();
        run(v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA, scratch), first);
        assertEquals(6, scratch.size(), "the pass gives back its six arrays, the output's included");
        Tensor[] reused = run(v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA, scratch), second);
        Tensor[] fresh = run(v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA), second);
        String[] names = {"output", "dx", "dWq", "dWk", "dWv"};
        for (int i = 0; i < names.length; i++) {
            assertArrayEquals(fresh[i].toArray(), reused[i].toArray(), names[i]);
        }
        try (var ignored = GradMode.noGrad()) {
            ProjectedAttention.apply(Variable.parameter(second[0]), Variable.parameter(second[1]), Variable.parameter(second[2]),
                    Variable.parameter(second[3]), T, H, G, D, THETA, scratch);
        }
        assertEquals(5, scratch.size(), "a pass without a backward gives back at once all but its output, which the caller keeps");
    }

    @Test
    void groupedQueryHeadsAgreeWithThreeSeparateProducts() {
        // dx sums over depth blocks that no longer fall on the q/k/v boundaries: equal up to rounding
        int B = 2, T = 32, H = 4, G = 1, D = 16, d = 64;
        Tensor[] inputs = {GradCheck.randn(41, B * T, d), GradCheck.randn(42, H * D, d), GradCheck.randn(43, G * D, d),
                GradCheck.randn(44, G * D, d)};
        Tensor[] fused = run(v -> ProjectedAttention.apply(v[0], v[1], v[2], v[3], T, H, G, D, THETA), inputs);
        Tensor[] apart = run(v -> separate(v, T, H, G, D), inputs);
        String[] names = {"output", "dx", "dWq", "dWk", "dWv"};
        for (int i = 0; i < names.length; i++) {
            float[] a = apart[i].toArray(), b = fused[i].toArray();
            for (int j = 0; j < a.length; j++) {
                assertEquals(a[j], b[j], 1e-5 * (1 + Math.abs(a[j])), names[i] + "[" + j + "]");
            }
        }
    }

    @Test
    void badShapesAreNamed() {
        Variable x = Variable.constant(GradCheck.randn(1, 8, 6));
        Variable w = Variable.constant(GradCheck.randn(2, 8, 6));
        Variable narrow = Variable.constant(GradCheck.randn(3, 8, 5));
        var e = assertThrows(IllegalArgumentException.class, () -> ProjectedAttention.apply(x, w, narrow, w, 4, 2, 2, 4, THETA));
        assertEquals("attention: k weight shape [8, 5] must be [8, 6]", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> ProjectedAttention.apply(x, w, w, w, 3, 2, 2, 4, THETA));
        assertEquals("attention: input shape [8, 6] must be [B*3, d]", e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> ProjectedAttention.apply(x, w, w, w, 4, 3, 2, 4, THETA));
        assertTrue(e3.getMessage().contains("multiple of kvHeads"), e3.getMessage());
    }
}
