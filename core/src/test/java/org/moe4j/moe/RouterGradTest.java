package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.ExpertChoiceRouter;
import org.moe4j.moe.router.SigmoidBiasRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/** Gate weights of the sigmoid and expert-choice routers against double references and finite differences. */
class RouterGradTest {
    private static final int T = 6;
    private static final int D = 4;
    private static final int E = 5;

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double[] logits(double[] x, double[] w, int t) {
        double[] l = new double[E];
        for (int e = 0; e < E; e++) for (int i = 0; i < D; i++) l[e] += w[e * D + i] * x[t * D + i];
        return l;
    }

    @Test
    void sigmoidRouterGatesWithABiasedChoice() {
        int k = 2;
        float gamma = 0.3f;
        int[] loads = {9, 0, 4, 0, 2};
        GradCheck.check("sigmoid router gates", v -> {
            SigmoidBiasRouter router = new SigmoidBiasRouter(D, E, k, true, 2.5f, gamma, 0f, new Rng(1));
            router.afterStep(loads);
            Variable[] outer = {v[1]};
            Variable[] inner = {router.weight()};
            Bridge.copyIn(outer, inner);
            return Bridge.wrap(router.route(v[0], false, new Rng(2)).gates(), outer, inner);
        }, v -> {
            double mean = 3;
            double[] bias = new double[E];
            for (int e = 0; e < E; e++) bias[e] = loads[e] > mean ? -gamma : loads[e] < mean ? gamma : 0;
            double[] out = new double[T * k];
            for (int t = 0; t < T; t++) {
                double[] l = logits(v[0], v[1], t);
                double[] s = new double[E];
                double[] biased = new double[E];
                for (int e = 0; e < E; e++) {
                    s[e] = sigmoid(l[e]);
                    biased[e] = s[e] + (float) bias[e];
                }
                int[] c = PerTokenMoe.topK(biased, k);
                double sum = s[c[0]] + s[c[1]];
                for (int j = 0; j < k; j++) out[t * k + j] = 2.5 * s[c[j]] / sum;
            }
            return out;
        }, GradCheck.randn(1, T, D), GradCheck.randn(2, E, D));

        SigmoidBiasRouter plain = new SigmoidBiasRouter(D, E, k, true, 2.5f, gamma, 0f, new Rng(1));
        SigmoidBiasRouter biased = new SigmoidBiasRouter(D, E, k, true, 2.5f, gamma, 0f, new Rng(1));
        biased.afterStep(loads);
        Variable x = Variable.constant(GradCheck.randn(1, T, D));
        int[] before = plain.route(x, false, new Rng(2)).expertIndex();
        int[] after = biased.route(x, false, new Rng(2)).expertIndex();
        assertFalse(java.util.Arrays.equals(before, after), "the selection bias moves some choices");
        for (int e : after) assertNotEquals(0, e, "expert 0, the most loaded, is pushed out by the bias");
    }

    @Test
    void expertChoiceGatesAreTheSoftmaxOfEveryTokenAndTheOutputFollowsTheChoice() {
        GradCheck.check("expert choice layer", v -> {
            Rng init = new Rng(3);
            ExpertChoiceRouter router = new ExpertChoiceRouter(D, E, 2.0, init);
            SwiGluExperts experts = new SwiGluExperts(E, D, 3, init);
            Variable[] outer = {v[1], v[2], v[3], v[4]};
            Variable[] inner = {router.weight(), experts.w1().weight(), experts.w3().weight(), experts.w2().weight()};
            Bridge.copyIn(outer, inner);
            MoeLayer layer = new MoeLayer(router, experts, null, Capacity.dropless(), BalancingLosses.none(), false, init);
            return Bridge.wrap(layer.forward(v[0]).output(), outer, inner);
        }, v -> {
            int c = (int) Math.ceil(2.0 * T / E);
            double[][] p = new double[T][];
            for (int t = 0; t < T; t++) p[t] = PerTokenMoe.softmax(logits(v[0], v[1], t));
            PerTokenMoe.Config cfg = new PerTokenMoe.Config(T, D, E, 3, D, PerTokenMoe.ExpertKind.SWIGLU,
                    TopKGating.mixtral(1), 0, T, false);
            double[] y = new double[T * D];
            for (int e = 0; e < E; e++) {
                double[] column = new double[T];
                for (int t = 0; t < T; t++) column[t] = p[t][e];
                for (int t : PerTokenMoe.topK(column, c)) {
                    double[] ye = PerTokenMoe.expert(cfg, e, v[0], t, v[2], v[3], v[4], null);
                    for (int o = 0; o < D; o++) y[t * D + o] += p[t][e] * ye[o];
                }
            }
            return y;
        }, GradCheck.randn(4, T, D), GradCheck.randn(5, E, D), GradCheck.randn(6, E, 3, D), GradCheck.randn(7, E, 3, D),
                GradCheck.randn(8, E, D, 3));

        Rng init = new Rng(3);
        MoeLayer layer = new MoeLayer(new ExpertChoiceRouter(D, E, 2.0, init), new SwiGluExperts(E, D, 3, init), null,
                Capacity.dropless(), BalancingLosses.none(), false, init);
        int[] perExpert = new int[E];
        for (int e : layer.forward(Variable.constant(GradCheck.randn(4, T, D))).routing().pairExpert()) perExpert[e]++;
        for (int e = 0; e < E; e++) assertEquals((int) Math.ceil(2.0 * T / E), perExpert[e], "each expert takes c tokens");
    }
}
