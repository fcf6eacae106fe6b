package org.moe4j.fff;

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
}
