package org.moe4j.fff;

import org.moe4j.autograd.Activation;
import org.moe4j.kernel.ActivationsReference;

/**
 * A plain per-token fast feedforward tree in double precision, written from docs/routing.md's FFF
 * section without the batched tricks: for each token walk every root-to-leaf path, multiply c or
 * 1 - c, run every leaf, mix. The tests hold the fast layer against it.
 */
final class FffReference {
    private FffReference() {}

    /** The layer's dimensions. */
    record Dims(int in, int leafWidth, int out, int depth) {
        int leaves() {
            return 1 << depth;
        }

        int nodes() {
            return leaves() - 1;
        }
    }

    static double act(Activation.Kind kind, double v) {
        return switch (kind) {
            case RELU -> ActivationsReference.relu(v);
            case SILU -> ActivationsReference.silu(v);
            case GELU -> ActivationsReference.gelu(v);
            case SIGMOID -> ActivationsReference.sigmoid(v);
            case SOFTPLUS -> ActivationsReference.softplus(v);
            case GELU_TANH -> throw new IllegalArgumentException("not in the reference");
        };
    }

    static double nodeLogit(double[] x, int t, double[] nodeW, double[] nodeB, Dims d, int node) {
        double s = nodeB[node];
        for (int i = 0; i < d.in(); i++) s += x[t * d.in() + i] * nodeW[node * d.in() + i];
        return s;
    }

    // x: (T, in)   result: (T, L)
    static double[] mixture(double[] x, double[] nodeW, double[] nodeB, Dims d) {
        int tokens = x.length / d.in();
        double[] m = new double[tokens * d.leaves()];
        for (int t = 0; t < tokens; t++) {
            for (int leaf = 0; leaf < d.leaves(); leaf++) {
                double w = 1;
                int node = 0;
                for (int level = 0; level < d.depth(); level++) {
                    boolean right = ((leaf >> (d.depth() - 1 - level)) & 1) == 1;
                    double c = 1 / (1 + Math.exp(-nodeLogit(x, t, nodeW, nodeB, d, node)));
                    w *= right ? c : 1 - c;
                    node = 2 * node + (right ? 2 : 1);
                }
                m[t * d.leaves() + leaf] = w;
            }
        }
        return m;
    }

    // x: (in) of token t   result: (out) leaf j's output, with or without its output bias
    static double[] leaf(double[] x, int t, double[] w1, double[] b1, double[] w2, double[] b2, Dims d, int leaf,
                         Activation.Kind kind, boolean outputBias) {
        int l = d.leafWidth();
        double[] h = new double[l];
        for (int i = 0; i < l; i++) {
            double s = b1[leaf * l + i];
            for (int k = 0; k < d.in(); k++) s += w1[(leaf * l + i) * d.in() + k] * x[t * d.in() + k];
            h[i] = act(kind, s);
        }
        double[] y = new double[d.out()];
        for (int o = 0; o < d.out(); o++) {
            double s = outputBias ? b2[leaf * d.out() + o] : 0;
            for (int i = 0; i < l; i++) s += w2[(leaf * d.out() + o) * l + i] * h[i];
            y[o] = s;
        }
        return y;
    }

    // inputs: x, node.weight, node.bias, w1, b1, w2, b2   result: (T, out)
    static double[] soft(double[][] p, Dims d, Activation.Kind kind) {
        int tokens = p[0].length / d.in();
        double[] m = mixture(p[0], p[1], p[2], d);
        double[] y = new double[tokens * d.out()];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < d.leaves(); j++) {
                double[] lj = leaf(p[0], t, p[3], p[4], p[5], p[6], d, j, kind, true);
                for (int o = 0; o < d.out(); o++) y[t * d.out() + o] += m[t * d.leaves() + j] * lj[o];
            }
        }
        return y;
    }

    /** The leaf token t reaches: right iff the node logit is >= 0. */
    static int hardLeaf(double[] x, int t, double[] nodeW, double[] nodeB, Dims d) {
        int node = 0;
        for (int level = 0; level < d.depth(); level++) {
            node = nodeLogit(x, t, nodeW, nodeB, d, node) >= 0 ? 2 * node + 2 : 2 * node + 1;
        }
        return node - d.nodes();
    }

    // result: (T, out)
    static double[] hard(double[][] p, Dims d, Activation.Kind kind, boolean outputBias) {
        int tokens = p[0].length / d.in();
        double[] y = new double[tokens * d.out()];
        for (int t = 0; t < tokens; t++) {
            double[] lj = leaf(p[0], t, p[3], p[4], p[5], p[6], d, hardLeaf(p[0], t, p[1], p[2], d), kind, outputBias);
            System.arraycopy(lj, 0, y, t * d.out(), d.out());
        }
        return y;
    }

    // result: (N) batch-mean Bernoulli entropy of each node (unclamped: the tests stay away from saturation)
    static double[] entropies(double[] x, double[] nodeW, double[] nodeB, Dims d) {
        int tokens = x.length / d.in();
        double[] h = new double[d.nodes()];
        for (int t = 0; t < tokens; t++) {
            for (int n = 0; n < d.nodes(); n++) {
                double c = 1 / (1 + Math.exp(-nodeLogit(x, t, nodeW, nodeB, d, n)));
                h[n] += (-c * Math.log(c) - (1 - c) * Math.log(1 - c)) / tokens;
            }
        }
        return h;
    }
}
