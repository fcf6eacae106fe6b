package org.moe4j.moe;

import org.moe4j.moe.loss.CvSquared;
import org.moe4j.moe.loss.ExpertImportance;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.loss.NormalCdf;
import org.moe4j.moe.loss.RouterZLoss;
import org.moe4j.moe.loss.SmoothLoad;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.Routing;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** Every balancing loss against a double-precision reference and finite differences. */
class BalancingLossesTest {
    private static final int T = 8;
    private static final int E = 4;

    private static Routing route(Variable logits, TopKGating gating) {
        TopKGating.Gated g = gating.apply(logits);
        return Routing.tokenChoice(logits, g.probs(), gating.topK(), g.expertIndex(), g.gates(), null);
    }

    private static double[] row(double[] flat, int t, int n) {
        return java.util.Arrays.copyOfRange(flat, t * n, (t + 1) * n);
    }

    @Test
    void routerZLoss() {
        GradCheck.check("z-loss", v -> RouterZLoss.apply(v[0]), v -> {
            double s = 0;
            for (int t = 0; t < T; t++) {
                double[] l = row(v[0], t, E);
                double max = java.util.Arrays.stream(l).max().orElseThrow();
                double lse = max + Math.log(java.util.Arrays.stream(l).map(a -> Math.exp(a - max)).sum());
                s += lse * lse;
            }
            return new double[] {s / T};
        }, GradCheck.randn(3, T, E));
    }

    /** L = (E / G) sum_g sum_e f_ge P_ge in double, decisions recomputed from the logits. */
    private static double loadBalancingReference(double[] logits, int k, int group, boolean perAssignment) {
        int groups = T / group;
        double[][] f = new double[groups][E];
        double[][] p = new double[groups][E];
        for (int t = 0; t < T; t++) {
            double[] probs = PerTokenMoe.softmax(row(logits, t, E));
            for (int e : PerTokenMoe.topK(probs, k)) f[t / group][e] += 1.0 / (group * (perAssignment ? k : 1));
            for (int e = 0; e < E; e++) p[t / group][e] += probs[e] / group;
        }
        double s = 0;
        for (int g = 0; g < groups; g++) for (int e = 0; e < E; e++) s += f[g][e] * p[g][e];
        return (double) E / groups * s;
    }

    @Test
    void loadBalancingInEachForm() {
        boolean[] keepAll = new boolean[T * 2];
        java.util.Arrays.fill(keepAll, true);
        GradCheck.check("load balancing, Mixtral form", v -> LoadBalancingLoss.apply(route(v[0], TopKGating.mixtral(2)),
                keepAll, T, LoadBalancingLoss.Form.MIXTRAL), v -> new double[] {loadBalancingReference(v[0], 2, T, false)},
                GradCheck.randn(4, T, E));
        GradCheck.check("load balancing, Switch form per group of 4", v -> LoadBalancingLoss.apply(
                route(v[0], TopKGating.mixtral(2)), keepAll, 4, LoadBalancingLoss.Form.SWITCH),
                v -> new double[] {loadBalancingReference(v[0], 2, 4, true)}, GradCheck.randn(5, T, E));
    }

    @Test
    void loadBalancingEqualsItsNormalisationAtUniformRouting() {
        // every token has equal logits: p = 1/E, and with T = E tokens choosing distinct experts f is uniform too
        Variable logits = Variable.constant(Tensor.zeros(E, E));
        int[] index = {0, 1, 2, 3};
        Routing r = Routing.tokenChoice(logits, Variable.constant(Tensor.full(1f / E, E, E)), 1, index,
                Variable.constant(Tensor.full(1f / E, E, 1)), null);
        boolean[] keep = {true, true, true, true};
        assertEquals(1f, LoadBalancingLoss.apply(r, keep, E, LoadBalancingLoss.Form.SWITCH).value().item(), 1e-6f);
    }

    @Test
    void loadBalancingCountsTheRouterChoiceBeforeDropping() {
        Variable logits = Variable.parameter(GradCheck.randn(11, T, E));
        Routing r = route(logits, TopKGating.mixtral(1));
        boolean[] all = new boolean[T];
        java.util.Arrays.fill(all, true);
        boolean[] someDropped = all.clone();
        someDropped[1] = someDropped[5] = false;
        float keptAll = LoadBalancingLoss.apply(r, all, T, LoadBalancingLoss.Form.SWITCH).value().item();
        assertEquals(keptAll, LoadBalancingLoss.apply(r, someDropped, T, LoadBalancingLoss.Form.SWITCH).value().item());
        // Hugging Face Switch counts a dropped token as expert 0, which changes the value unless both went there anyway
        int[] idx = r.expertIndex();
        float hf = LoadBalancingLoss.apply(r, someDropped, T, LoadBalancingLoss.Form.HF_SWITCH).value().item();
        assertEquals(idx[1] == 0 && idx[5] == 0, hf == keptAll, "HF counting moves dropped tokens to expert 0");
    }

    @Test
    void importanceCoefficientOfVariation() {
        TopKGating gating = new TopKGating(2, TopKGating.Order.SOFTMAX_THEN_TOPK, true, 1e-6f, 1f);
        GradCheck.check("cv^2(importance)", v -> CvSquared.apply(ExpertImportance.apply(route(v[0], gating))), v -> {
            double[] importance = new double[E];
            for (int t = 0; t < T; t++) {
                double[] p = PerTokenMoe.softmax(row(v[0], t, E));
                int[] c = PerTokenMoe.topK(p, 2);
                double s = p[c[0]] + p[c[1]] + 1e-6;
                for (int e : c) importance[e] += p[e] / s;
            }
            return new double[] {cvSquared(importance)};
        }, GradCheck.randn(6, T, E));
    }

    static double cvSquared(double[] v) {
        double mean = java.util.Arrays.stream(v).average().orElseThrow();
        double var = java.util.Arrays.stream(v).map(a -> (a - mean) * (a - mean)).sum() / (v.length - 1);
        return var / (mean * mean + 1e-10);
    }

    @Test
    void cvSquaredOfOneExpertIsZero() {
        assertEquals(0f, CvSquared.apply(Variable.parameter(Tensor.full(3f, 1))).value().item());
    }

    @Test
    void smoothLoadWithEitherThresholdSource() {
        for (NoisyTopKRouter.ThresholdSource source : NoisyTopKRouter.ThresholdSource.values()) {
            int d = 5;
            int k = 2;
            Tensor noise = GradCheck.randn(7, T, E);
            GradCheck.check("cv^2(smooth load), thresholds from " + source, v -> {
                NoisyTopKRouter router = new NoisyTopKRouter(d, E,
                        new TopKGating(k, TopKGating.Order.SOFTMAX_THEN_TOPK, true, 1e-6f, 1f), 0.01f, source);
                Variable[] outer = {v[1], v[2]};
                Variable[] inner = {router.weight(), router.noiseWeight()};
                Bridge.copyIn(outer, inner);
                router.replayNoise(noise);
                Routing r = router.route(v[0], true, new Rng(0));
                return Bridge.wrap(CvSquared.apply(SmoothLoad.apply(r.logits(), r.noisy(), k)), outer, inner);
            }, v -> new double[] {cvSquared(smoothLoadReference(v[0], v[1], v[2], noise, d, k, source))},
                    new Tensor[] {GradCheck.randn(8, T, d), GradCheck.randn(9, E, d), GradCheck.randn(10, E, d)},
                    new boolean[] {true, true, true}, GradCheck.DEFAULT);
        }
    }

    private static double[] smoothLoadReference(double[] x, double[] wg, double[] wn, Tensor noise, int d, int k,
                                                NoisyTopKRouter.ThresholdSource source) {
        double[] load = new double[E];
        for (int t = 0; t < T; t++) {
            double[] clean = new double[E];
            double[] std = new double[E];
            double[] noisy = new double[E];
            for (int e = 0; e < E; e++) {
                double raw = 0;
                for (int i = 0; i < d; i++) {
                    clean[e] += wg[e * d + i] * x[t * d + i];
                    raw += wn[e * d + i] * x[t * d + i];
                }
                std[e] = Math.log1p(Math.exp(raw)) + 0.01;
                noisy[e] = clean[e] + noise.data()[t * E + e] * std[e];
            }
            double[] s = source == NoisyTopKRouter.ThresholdSource.PROBABILITIES ? PerTokenMoe.softmax(noisy) : noisy;
            int[] top = PerTokenMoe.topK(s, k + 1);
            double in = s[top[k]];
            double out = s[top[k - 1]];
            for (int e = 0; e < E; e++) {
                double thr = noisy[e] > in ? in : out;
                load[e] += NormalCdf.cdf((clean[e] - thr) / std[e]);
            }
        }
        return load;
    }

    @Test
    void normalCdfMatchesKnownValues() {
        assertEquals(0.5, NormalCdf.cdf(0), 1e-15);
        assertEquals(0.8413447460685429, NormalCdf.cdf(1), 1e-14);
        assertEquals(0.022750131948179195, NormalCdf.cdf(-2), 1e-15);
        assertEquals(0.5204998778130465, NormalCdf.erf(0.5), 1e-14);
        assertEquals(-0.9999779095030014, NormalCdf.erf(-3), 1e-14);
        assertEquals(1.0, NormalCdf.erf(7), 0);
    }
}
