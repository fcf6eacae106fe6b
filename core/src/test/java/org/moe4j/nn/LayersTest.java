package org.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.AttentionTest;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.ActivationsReference;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** Whole layers against double-precision compositions of their definitions. */
class LayersTest {
    static double[] linear(double[] x, Tensor w, int rows) {
        int out = w.dim(0), in = w.dim(1);
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += x[r * in + i] * w.get(o, i);
                y[r * out + o] = s;
            }
        return y;
    }

    @Test
    void swigluFeedForwardIsDownOfSiluGateTimesUp() {
        int d = 6, hidden = 10, rows = 4;
        SwiGluFeedForward ffn = new SwiGluFeedForward(d, hidden, new Rng(3));
        assertEquals(List.of("gate_proj.weight", "up_proj.weight", "down_proj.weight"), List.copyOf(ffn.namedParameters().keySet()));
        GradCheck.check("swiglu ffn", v -> ffn.forward(v[0]), x -> {
            double[] g = linear(x[0], ffn.gate().weight().value(), rows);
            double[] u = linear(x[0], ffn.up().weight().value(), rows);
            for (int i = 0; i < g.length; i++) g[i] = ActivationsReference.silu(g[i]) * u[i];
            return linear(g, ffn.down().weight().value(), rows);
        }, GradCheck.randn(1, rows, d));
    }

    @Test
    void attentionLayerComposesProjectionsRopeAndGroupedAttention() {
        int d = 8, heads = 4, kvHeads = 2, T = 5, B = 2, hd = d / heads;
        CausalSelfAttention att = new CausalSelfAttention(d, heads, kvHeads, 10000.0, new Rng(4));
        assertEquals(List.of("q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight"),
                List.copyOf(att.namedParameters().keySet()));
        var p = att.namedParameters();
        GradCheck.check("attention layer", v -> att.forward(v[0], T), x -> {
            double[] q = AttentionTest.ropeRef(linear(x[0], p.get("q_proj.weight").value(), B * T), B * T, T, heads, hd, 10000.0, 0);
            double[] k = AttentionTest.ropeRef(linear(x[0], p.get("k_proj.weight").value(), B * T), B * T, T, kvHeads, hd, 10000.0, 0);
            double[] vv = linear(x[0], p.get("v_proj.weight").value(), B * T);
            return linear(AttentionTest.attentionRef(q, k, vv, B, T, heads, kvHeads, hd), p.get("o_proj.weight").value(), B * T);
        }, GradCheck.randn(2, B * T, d));
    }

    @Test
    void namesFollowHuggingFaceAndStateDictRoundTrips() {
        ModuleList<RmsNorm> norms = new ModuleList<>();
        norms.add(new RmsNorm(3, 1e-5f));
        norms.add(new RmsNorm(3, 1e-5f));
        assertEquals(List.of("0.weight", "1.weight"), List.copyOf(norms.namedParameters().keySet()));
        Linear a = new Linear(3, 2, true, new Rng(1));
        Linear b = new Linear(3, 2, true, new Rng(2));
        b.loadStateDict(a.stateDict());
        assertArrayEquals(a.weight().value().toArray(), b.weight().value().toArray());
        Linear c = new Linear(4, 2, true, new Rng(2));
        var e = assertThrows(IllegalArgumentException.class, () -> c.loadStateDict(a.stateDict()));
        assertEquals("loadStateDict: tensor 'weight' has shape [2, 3] in the saved weights but [2, 4] in this model", e.getMessage());
    }

    @Test
    void layerNormIsScaledStandardisationPlusBias() {
        int rows = 3, dim = 5;
        LayerNorm norm = new LayerNorm(dim, true, 1e-5f);
        assertEquals(List.of("weight", "bias"), List.copyOf(norm.namedParameters().keySet()));
        assertEquals(List.of("weight"), List.copyOf(new LayerNorm(dim, false, 1e-5f).namedParameters().keySet()));
        Tensor w = GradCheck.randn(7, dim), b = GradCheck.randn(8, dim), x = GradCheck.randn(9, rows, dim);
        norm.namedParameters().get("weight").value().copyFrom(w);
        norm.namedParameters().get("bias").value().copyFrom(b);
        float[] y = norm.forward(Variable.constant(x)).value().toArray();
        // y = (x - mean) / sqrt(var + eps) * w + b per row, var the biased variance (torch.nn.LayerNorm)
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < dim; i++) mean += x.get(r, i) / dim;
            for (int i = 0; i < dim; i++) var += (x.get(r, i) - mean) * (x.get(r, i) - mean) / dim;
            for (int i = 0; i < dim; i++) {
                double expected = (x.get(r, i) - mean) / Math.sqrt(var + 1e-5) * w.get(i) + b.get(i);
                assertEquals(expected, y[r * dim + i], 1e-5, "row " + r + ", column " + i);
            }
        }
        var e = assertThrows(IllegalArgumentException.class, () -> new LayerNorm(0, true, 1e-5f));
        assertEquals("LayerNorm: dim is 0, must be >= 1", e.getMessage());
    }

    @Test
    void badConfigurationsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new CausalSelfAttention(10, 4, 2, 1e4, new Rng(1)));
        assertTrue(e.getMessage().contains("dModel 10 must be a multiple of heads 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Linear(0, 2, true, new Rng(1)));
        var e2 = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5, new Rng(1)));
        assertEquals("dropout is 1.5, must be in [0, 1)", e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RmsNorm(4, 0f));
        Variable x = Variable.constant(Tensor.zeros(2, 3));
        assertThrows(IllegalArgumentException.class, () -> new Linear(4, 2, false, new Rng(1)).forward(x));
    }
}
