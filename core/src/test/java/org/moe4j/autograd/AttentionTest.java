package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

public class AttentionTest {
    /** Causal GQA attention in double, straight from the definition. */
    public static double[] attentionRef(double[] q, double[] k, double[] v, int B, int T, int H, int G, int D) {
        int qc = H * D, kc = G * D;
        double[] out = new double[B * T * qc];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                int g = h / (H / G);
                for (int i = 0; i < T; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int d = 0; d < D; d++) dot += q[(b * T + i) * qc + h * D + d] * k[(b * T + j) * kc + g * D + d];
                        s[j] = dot / Math.sqrt(D);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j <= i; j++)
                        for (int d = 0; d < D; d++) out[(b * T + i) * qc + h * D + d] += s[j] / sum * v[(b * T + j) * kc + g * D + d];
                }
            }
        return out;
    }

    /** HF rotate_half RoPE in double. */
    public static double[] ropeRef(double[] x, int rows, int T, int H, int D, double theta, int start) {
        double[] y = new double[x.length];
        int half = D / 2;
        for (int r = 0; r < rows; r++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < half; i++) {
                    double a = (start + r % T) * Math.pow(theta, -2.0 * i / D);
                    int base = r * H * D + h * D;
                    double x1 = x[base + i], x2 = x[base + half + i];
                    y[base + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
                    y[base + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
                }
        return y;
    }

    @Test
    void groupedQueryAttentionMatchesFiniteDifferences() {
        int B = 2, T = 5, H = 4, G = 2, D = 3;
        GradCheck.check("causal_attention (GQA 4/2)", v -> CausalAttention.apply(v[0], v[1], v[2], T, H, G, D),
                x -> attentionRef(x[0], x[1], x[2], B, T, H, G, D),
                GradCheck.randn(1, B * T, H * D), GradCheck.randn(2, B * T, G * D), GradCheck.randn(3, B * T, G * D));
    }

    @Test
    void multiHeadAttentionSingleTokenAndFullHeads() {
        int B = 1, T = 1, H = 2, D = 4;
        GradCheck.check("causal_attention (T=1)", v -> CausalAttention.apply(v[0], v[1], v[2], T, H, H, D),
                x -> attentionRef(x[0], x[1], x[2], B, T, H, H, D),
                GradCheck.randn(4, B * T, H * D), GradCheck.randn(5, B * T, H * D), GradCheck.randn(6, B * T, H * D));
        int T2 = 6;
        GradCheck.check("causal_attention (MHA)", v -> CausalAttention.apply(v[0], v[1], v[2], T2, H, H, D),
                x -> attentionRef(x[0], x[1], x[2], 1, T2, H, H, D),
                GradCheck.randn(7, T2, H * D), GradCheck.randn(8, T2, H * D), GradCheck.randn(9, T2, H * D));
    }

    @Test
    void sequencesLongEnoughForTheBlockedProductsMatchFiniteDifferences() {
        // T/2 = 18 rows per half: above the GEMM's few-row path, so the products that skip the
        // causal block's upper right quarter run the packed kernels, as in training
        int B = 1, T = 36, H = 2, G = 1, D = 8;
        GradCheck.check("causal_attention (T=36)", v -> CausalAttention.apply(v[0], v[1], v[2], T, H, G, D),
                x -> attentionRef(x[0], x[1], x[2], B, T, H, G, D),
                GradCheck.randn(10, B * T, H * D), GradCheck.randn(11, B * T, G * D), GradCheck.randn(12, B * T, G * D));
    }

    /** dq, dk and dv of sum(attention(q, k, v) * w) for the inputs of seed. */
    private static float[][] gradients(int seed, int B, int T, int H, int G, int D) {
        Variable q = Variable.parameter(GradCheck.randn(seed, B * T, H * D));
        Variable k = Variable.parameter(GradCheck.randn(seed + 1, B * T, G * D));
        Variable v = Variable.parameter(GradCheck.randn(seed + 2, B * T, G * D));
        Variable w = Variable.constant(GradCheck.randn(seed + 3, B * T, H * D));
        Arithmetic.sum(Arithmetic.mul(CausalAttention.apply(q, k, v, T, H, G, D), w)).backward();
        return new float[][] {q.grad().toArray(), k.grad().toArray(), v.grad().toArray()};
    }

    @Test
    void theDpBlockKeptFromTheLastBackwardLeaksNothing() {
        // the threads keep their dP/dS block from call to call: a backward after one that filled it
        // with NaN (NaN queries) must give the bits of the first
        int B = 2, T = 36, H = 4, G = 2, D = 8;
        float[][] before = gradients(20, B, T, H, G, D);
        Variable q = Variable.parameter(org.moe4j.tensor.Tensor.full(Float.NaN, B * T, H * D));
        Variable kv = Variable.parameter(GradCheck.randn(21, B * T, G * D));
        Arithmetic.sum(CausalAttention.apply(q, kv, kv, T, H, G, D)).backward();
        assertTrue(Float.isNaN(kv.grad().toArray()[0]), "the poisoning backward ran on NaN");
        float[][] after = gradients(20, B, T, H, G, D);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(before[i], after[i], "gradient " + "qkv".charAt(i));
        }
    }

    @Test
    void ropeMatchesFiniteDifferences() {
        int B = 2, T = 4, H = 2, D = 6;
        GradCheck.check("rope", v -> CausalAttention.rope(v[0], T, H, D, 10000.0, 3),
                x -> ropeRef(x[0], B * T, T, H, D, 10000.0, 3), GradCheck.randn(10, B * T, H * D));
    }

    @Test
    void badShapesAreNamed() {
        Variable q = Variable.constant(GradCheck.randn(1, 4, 6));
        var e = assertThrows(IllegalArgumentException.class, () -> CausalAttention.apply(q, q, q, 4, 3, 2, 2));
        assertTrue(e.getMessage().contains("multiple of kvHeads"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> CausalAttention.rope(q, 4, 2, 3, 10000, 0));
        assertTrue(e2.getMessage().contains("headDim is 3"), e2.getMessage());
    }
}
