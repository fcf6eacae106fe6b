package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Activation;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * The fast feedforward operations' hand-written backward passes against central finite
 * differences of the double-precision per-token reference ({@link FffReference}).
 */
class FffGradientTest {
    private static final FffReference.Dims D = new FffReference.Dims(4, 2, 3, 2);
    private static final int T = 3;

    private static Tensor[] parameters(long seed, FffReference.Dims d, int tokens) {
        return new Tensor[] {
            GradCheck.randn(seed, tokens, d.in()),
            GradCheck.randn(seed + 1, d.nodes(), d.in()),
            GradCheck.randn(seed + 2, d.nodes()),
            GradCheck.randn(seed + 3, d.leaves(), d.leafWidth(), d.in()),
            GradCheck.randn(seed + 4, d.leaves(), d.leafWidth()),
            GradCheck.randn(seed + 5, d.leaves(), d.out(), d.leafWidth()),
            GradCheck.randn(seed + 6, d.leaves(), d.out()),
        };
    }

    @Test
    void softLayerMatchesFiniteDifferences() {
        for (Activation.Kind kind : new Activation.Kind[] {Activation.Kind.SILU, Activation.Kind.RELU, Activation.Kind.GELU}) {
            GradCheck.check("fff soft " + kind, v -> {
                Variable logits = MatMul.linear(v[0], v[1], v[2]);
                Variable mixture = SoftRouting.mixture(logits, D.depth(), false, null);
                return SoftLeaves.forward(v[0], v[3], v[4], v[5], v[6], mixture, kind, 0, null);
            }, p -> FffReference.soft(p, D, kind), parameters(11, D, T));
        }
    }

    @Test
    void softLayerMatchesFiniteDifferencesAtEveryDepthFromZeroToEight() {
        for (int depth = 0; depth <= 8; depth++) {
            FffReference.Dims d = new FffReference.Dims(2, 1, 2, depth);
            int tokens = 2;
            GradCheck.check("fff soft depth " + depth, v -> {
                Variable mixture = d.depth() == 0 ? Variable.constant(Tensor.full(1f, tokens, 1))
                        : SoftRouting.mixture(MatMul.linear(v[0], v[1], v[2]), d.depth(), false, null);
                return SoftLeaves.forward(v[0], v[3], v[4], v[5], v[6], mixture, Activation.Kind.GELU, 0, null);
            }, p -> FffReference.soft(p, d, Activation.Kind.GELU), parameters(80 + depth, d, tokens),
                    // at depth 0 there are no nodes (their tensors are empty)
                    new boolean[] {true, depth > 0, depth > 0, true, true, true, true}, GradCheck.DEFAULT);
        }
    }

    @Test
    void mixtureMatchesFiniteDifferencesAtDepthFour() {
        FffReference.Dims d = new FffReference.Dims(3, 1, 1, 4);
        Tensor[] p = parameters(21, d, 4);
        GradCheck.check("fff mixture", v -> SoftRouting.mixture(MatMul.linear(v[0], v[1], v[2]), d.depth(), false, null),
                q -> FffReference.mixture(q[0], q[1], q[2], d), p[0], p[1], p[2]);
    }

    @Test
    void entropiesMatchFiniteDifferences() {
        FffReference.Dims d = new FffReference.Dims(5, 1, 1, 3);
        Tensor[] p = parameters(31, d, 6);
        GradCheck.check("fff entropies", v -> NodeEntropy.entropies(MatMul.linear(v[0], v[1], v[2])),
                q -> FffReference.entropies(q[0], q[1], q[2], d), p[0], p[1], p[2]);
    }

    @Test
    void hardLeavesMatchFiniteDifferences() {
        FffReference.Dims d = new FffReference.Dims(4, 3, 2, 3);
        Tensor[] p = parameters(41, d, 9);
        double[][] fixed = new double[7][];
        for (int i = 0; i < 7; i++) fixed[i] = GradCheck.toDouble(p[i]);
        int[] leaf = new int[9];
        for (int t = 0; t < 9; t++) leaf[t] = FffReference.hardLeaf(fixed[0], t, fixed[1], fixed[2], d);
        for (boolean bias : new boolean[] {true, false}) {
            GradCheck.check("fff hard leaves bias=" + bias,
                    v -> HardLeaves.forward(v[0], leaf, v[1], v[2], v[3], v[4], Activation.Kind.SILU, bias),
                    q -> FffReference.hard(new double[][] {q[0], fixed[1], fixed[2], q[1], q[2], q[3], q[4]}, d,
                            Activation.Kind.SILU, bias),
                    p[0], p[3], p[4], p[5], p[6]);
        }
    }

    @Test
    void transposedMixtureMatchesFiniteDifferencesAndHardMixtureHasNoGradient() {
        FffReference.Dims d = new FffReference.Dims(3, 1, 1, 3);
        int tokens = 4;
        Tensor[] p = parameters(61, d, tokens);
        boolean[] flip = new boolean[tokens * d.nodes()];
        org.moe4j.tensor.Rng rng = new org.moe4j.tensor.Rng(8);
        for (int i = 0; i < flip.length; i++) flip[i] = rng.nextDouble() < 0.4;
        GradCheck.check("fff mixture transposed",
                v -> SoftRouting.mixture(MatMul.linear(v[0], v[1], v[2]), d.depth(), false, flip),
                q -> {
                    double[] m = new double[tokens * d.leaves()];
                    for (int t = 0; t < tokens; t++) {
                        for (int leaf = 0; leaf < d.leaves(); leaf++) {
                            double w = 1;
                            int node = 0;
                            for (int level = 0; level < d.depth(); level++) {
                                boolean right = ((leaf >> (d.depth() - 1 - level)) & 1) == 1;
                                double c = 1 / (1 + Math.exp(-FffReference.nodeLogit(q[0], t, q[1], q[2], d, node)));
                                if (flip[t * d.nodes() + node]) c = 1 - c;
                                w *= right ? c : 1 - c;
                                node = 2 * node + (right ? 2 : 1);
                            }
                            m[t * d.leaves() + leaf] = w;
                        }
                    }
                    return m;
                }, p[0], p[1], p[2]);
        Variable logits = Variable.parameter(GradCheck.randn(3, tokens, d.nodes()));
        Variable hard = SoftRouting.mixture(logits, d.depth(), true, null);
        hard.backward(GradCheck.randn(4, tokens, d.leaves()));
        for (float g : logits.grad().toArray()) assertEquals(0f, g, "hard decisions pass no gradient");
        for (int t = 0; t < tokens; t++) {
            double sum = 0;
            for (int j = 0; j < d.leaves(); j++) sum += hard.value().get(t, j);
            assertEquals(1.0, sum, "one leaf per token");
        }
    }

    @Test
    void dropoutInTheLeavesMatchesFiniteDifferencesWithTheSameMask() {
        FffReference.Dims d = new FffReference.Dims(4, 3, 2, 2);
        int tokens = 3;
        double p = 0.4;
        Tensor[] params = parameters(71, d, tokens);
        float[] mask = SoftLeaves.dropoutMask(tokens * d.leaves() * d.leafWidth(), p, new org.moe4j.tensor.Rng(5));
        int dropped = 0;
        for (float m : mask) if (m == 0f) dropped++;
        assertTrue(dropped > 0 && dropped < mask.length, "the mask drops some units: " + dropped + " of " + mask.length);
        GradCheck.check("fff leaves with dropout", v -> {
            Variable mixture = SoftRouting.mixture(MatMul.linear(v[0], v[1], v[2]), d.depth(), false, null);
            return SoftLeaves.forward(v[0], v[3], v[4], v[5], v[6], mixture, Activation.Kind.SILU, p,
                    new org.moe4j.tensor.Rng(5));
        }, q -> {
            double[] m = FffReference.mixture(q[0], q[1], q[2], d);
            double[] y = new double[tokens * d.out()];
            int l = d.leafWidth();
            for (int t = 0; t < tokens; t++) {
                for (int j = 0; j < d.leaves(); j++) {
                    for (int o = 0; o < d.out(); o++) {
                        double s = q[6][j * d.out() + o];
                        for (int i = 0; i < l; i++) {
                            double pre = q[4][j * l + i];
                            for (int k = 0; k < d.in(); k++) pre += q[3][(j * l + i) * d.in() + k] * q[0][t * d.in() + k];
                            s += q[5][(j * d.out() + o) * l + i] * FffReference.act(Activation.Kind.SILU, pre)
                                    * mask[(t * d.leaves() + j) * l + i];
                        }
                        y[t * d.out() + o] += m[t * d.leaves() + j] * s;
                    }
                }
            }
            return y;
        }, params);
    }
}
