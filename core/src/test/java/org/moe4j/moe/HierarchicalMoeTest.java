package org.moe4j.moe;

import org.moe4j.moe.hierarchical.HierarchicalLoad;
import org.moe4j.moe.hierarchical.HierarchicalMoeLayer;
import org.moe4j.moe.hierarchical.HierarchicalRouter;
import org.moe4j.moe.hierarchical.HierarchicalRouting;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.loss.ExpertImportance;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The hierarchical MoE layer against a per-token double reference written from Shazeer's
 * appendix B (primary softmax top-k over groups, secondary softmax top-k inside each chosen
 * group, gate = product, experts run one token at a time), and every gradient (x, primary
 * router, every secondary router, every expert weight) against finite differences of it.
 */
class HierarchicalMoeTest {
    private static final int D = 5;
    private static final int HIDDEN = 4;
    private static final int OUT = 3;

    private record Case(int tokens, int groups, int groupSize, int k1, int k2) {
        int experts() {
            return groups * groupSize;
        }

        PerTokenMoe.Config expertConfig() {
            return new PerTokenMoe.Config(tokens, D, experts(), HIDDEN, OUT, PerTokenMoe.ExpertKind.MLP_RELU,
                    TopKGating.mixtral(1), 0, tokens, false);
        }
    }

    /** Per token: the final experts and their gates, straight from the formulas. */
    private record Pairs(int[][] expert, double[][] gate) {}

    // x: (T, d)   wp: (a, d)   ws: (a, b, d)
    private static Pairs referencePairs(Case c, double[] x, double[] wp, double[] ws) {
        int[][] expert = new int[c.tokens()][];
        double[][] gate = new double[c.tokens()][];
        for (int t = 0; t < c.tokens(); t++) {
            double[] pg = new double[c.groups()];
            for (int i = 0; i < c.groups(); i++) pg[i] = dot(wp, i * D, x, t * D);
            double[] pp = PerTokenMoe.softmax(pg);
            int[] groups = PerTokenMoe.topK(pp, c.k1());
            double psum = 0;
            for (int g : groups) psum += pp[g];
            expert[t] = new int[c.k1() * c.k2()];
            gate[t] = new double[c.k1() * c.k2()];
            for (int a = 0; a < c.k1(); a++) {
                int g = groups[a];
                double[] sl = new double[c.groupSize()];
                for (int j = 0; j < c.groupSize(); j++) sl[j] = dot(ws, (g * c.groupSize() + j) * D, x, t * D);
                double[] sp = PerTokenMoe.softmax(sl);
                int[] inner = PerTokenMoe.topK(sp, c.k2());
                double ssum = 0;
                for (int j : inner) ssum += sp[j];
                for (int b = 0; b < c.k2(); b++) {
                    expert[t][a * c.k2() + b] = g * c.groupSize() + inner[b];
                    gate[t][a * c.k2() + b] = pp[g] / psum * (sp[inner[b]] / ssum);
                }
            }
        }
        return new Pairs(expert, gate);
    }

    private static double dot(double[] w, int w0, double[] x, int x0) {
        double s = 0;
        for (int i = 0; i < D; i++) s += w[w0 + i] * x[x0 + i];
        return s;
    }

    private static double[] referenceOutput(Case c, double[][] v) {
        Pairs pairs = referencePairs(c, v[0], v[1], v[2]);
        double[] y = new double[c.tokens() * OUT];
        for (int t = 0; t < c.tokens(); t++) {
            for (int p = 0; p < pairs.expert()[t].length; p++) {
                double[] ye = PerTokenMoe.expert(c.expertConfig(), pairs.expert()[t][p], v[0], t, v[3], v[4], v[5], v[6]);
                for (int o = 0; o < OUT; o++) y[t * OUT + o] += pairs.gate()[t][p] * ye[o];
            }
        }
        return y;
    }

    private static double[] referenceCvImportance(Case c, double[][] v) {
        Pairs pairs = referencePairs(c, v[0], v[1], v[2]);
        double[] importance = new double[c.experts()];
        for (int t = 0; t < c.tokens(); t++) {
            for (int p = 0; p < pairs.expert()[t].length; p++) importance[pairs.expert()[t][p]] += pairs.gate()[t][p];
        }
        double mean = Arrays.stream(importance).average().orElseThrow();
        double var = 0;
        for (double m : importance) var += (m - mean) * (m - mean);
        var /= c.experts() - 1;
        return new double[] {var / (mean * mean + 1e-10)};
    }

    private static Tensor[] inputs(Case c, long seed) {
        Rng rng = new Rng(seed);
        int e = c.experts();
        return new Tensor[] {
            GradCheck.randn(rng.nextLong(), c.tokens(), D),
            scaled(GradCheck.randn(rng.nextLong(), c.groups(), D), 1.5f),
            scaled(GradCheck.randn(rng.nextLong(), c.groups(), c.groupSize(), D), 1.5f),
            scaled(GradCheck.randn(rng.nextLong(), e, HIDDEN, D), 0.7f),
            scaled(GradCheck.randn(rng.nextLong(), e, HIDDEN), 0.7f),
            scaled(GradCheck.randn(rng.nextLong(), e, OUT, HIDDEN), 0.7f),
            scaled(GradCheck.randn(rng.nextLong(), e, OUT), 0.7f),
        };
    }

    private static Tensor scaled(Tensor t, float s) {
        for (int i = 0; i < t.size(); i++) t.data()[i] *= s;
        return t;
    }

    /** Builds the layer from GradCheck's variables: [x, primary, secondaries (a, b, d), fc1, fc1 bias, fc2, fc2 bias]. */
    private static Variable layerOutput(Case c, Variable[] vars, BalancingLosses losses, boolean aux) {
        Rng init = new Rng(3);
        HierarchicalRouter router = HierarchicalRouter.softmax(D, c.groups(), c.groupSize(), c.k1(), c.k2(), init);
        MlpExperts experts = new MlpExperts(c.experts(), D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", init);
        List<Variable> inner = new ArrayList<>();
        inner.add(((SoftmaxTopKRouter) router.primary()).weight());
        List<Variable> secondary = new ArrayList<>();
        for (int i = 0; i < c.groups(); i++) secondary.add(((SoftmaxTopKRouter) router.secondary(i)).weight());
        inner.addAll(List.of(experts.first().weight(), experts.first().bias(), experts.second().weight(),
                experts.second().bias()));
        // the (a, b, d) secondary input is split into the a routers' (b, d) weights
        Variable[] outer = {vars[1], vars[3], vars[4], vars[5], vars[6]};
        Variable[] in = inner.toArray(Variable[]::new);
        Bridge.copyIn(outer, in);
        int slice = c.groupSize() * D;
        for (int i = 0; i < c.groups(); i++) {
            System.arraycopy(vars[2].value().data(), vars[2].value().offset() + i * slice,
                    secondary.get(i).value().data(), secondary.get(i).value().offset(), slice);
        }
        HierarchicalMoeLayer layer = new HierarchicalMoeLayer(router, experts, losses, init);
        HierarchicalMoeLayer.Output out = layer.forward(vars[0]);
        Variable result = aux ? out.auxLoss() : out.output();
        Variable[] params = Arrays.copyOfRange(vars, 1, vars.length);
        return Variable.result("hierarchical_bridge", result.value(), dy -> {
            result.backward(dy);
            for (int i = 0; i < outer.length; i++) outer[i].accumulateGrad(gradOrZeros(in[i]));
            Tensor g = Tensor.zeros(vars[2].shape());
            for (int i = 0; i < c.groups(); i++) {
                Tensor gi = gradOrZeros(secondary.get(i));
                System.arraycopy(gi.data(), gi.offset(), g.data(), i * slice, slice);
            }
            vars[2].accumulateGrad(g);
        }, params);
    }

    private static Tensor gradOrZeros(Variable v) {
        return v.grad() != null ? v.grad() : Tensor.zeros(v.shape());
    }

    private static void checkOutput(Case c) {
        Function<Variable[], Variable> f = vars -> layerOutput(c, vars, BalancingLosses.none(), false);
        boolean[] all = new boolean[7];
        Arrays.fill(all, true);
        GradCheck.check("hierarchical " + c, f, v -> referenceOutput(c, v), inputs(c, c.hashCode()), all, GradCheck.DEFAULT);
    }

    @Test
    void outputAndEveryGradientMatchThePerTokenReference() {
        checkOutput(new Case(7, 3, 4, 2, 2));
        checkOutput(new Case(6, 2, 3, 1, 2));
        checkOutput(new Case(5, 4, 2, 3, 1));
        checkOutput(new Case(1, 2, 2, 2, 2));
    }

    @Test
    void oneExpertPerGroupAndEveryGroupChosenIsAPlainSumOverAllExperts() {
        checkOutput(new Case(4, 3, 1, 3, 1));
    }

    @Test
    void importanceLossPerGroupExpertPairMatchesTheReference() {
        Case c = new Case(9, 3, 3, 2, 2);
        Function<Variable[], Variable> f = vars -> layerOutput(c, vars, new BalancingLosses(0, null, 1, 0, 0), true);
        boolean[] routersOnly = {true, true, true, false, false, false, false};
        GradCheck.check("hierarchical importance", f, v -> referenceCvImportance(c, v), inputs(c, 11), routersOnly,
                GradCheck.DEFAULT);
    }

    @Test
    void hierarchicalLoadOpMatchesItsFormulaAndDifferences() {
        int[] sizes = {3, 5};
        Function<Variable[], Variable> f = v -> HierarchicalLoad.apply(v[0], new Variable[] {v[1], v[2]}, sizes, 3);
        GradCheck.Reference ref = v -> {
            double[] out = new double[6];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) out[i * 3 + j] = v[0][i] * v[i + 1][j] / sizes[i];
            }
            return out;
        };
        GradCheck.check("hierarchical load", f, ref, GradCheck.randn(5, 2), GradCheck.randn(6, 3), GradCheck.randn(7, 3));
    }

    @Test
    void smoothSecondaryLoadGivesThePrimaryGateAGradient() {
        int groups = 3;
        int groupSize = 4;
        HierarchicalRouter router = HierarchicalRouter.noisy(D, groups, groupSize, 1e-2f);
        MlpExperts experts = new MlpExperts(groups * groupSize, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false,
                "fc1", "fc2", new Rng(1));
        HierarchicalMoeLayer layer = new HierarchicalMoeLayer(router, experts,
                new BalancingLosses(0, null, 0, 1, 0), new Rng(2));
        layer.train(true);
        Variable x = Variable.constant(GradCheck.randn(13, 32, D));
        HierarchicalMoeLayer.Output out = layer.forward(x);
        out.auxLoss().backward();

        HierarchicalRouting r = out.routing();
        Tensor load = out.lossTerms().get("load").value();
        float[] primaryLoad = ExpertImportance.load(r.primary()).value().data();
        assertEquals(groups * groupSize, load.size());
        for (int i = 0; i < groups; i++) {
            assertTrue(primaryLoad[i] > 0 && primaryLoad[i] < 32, "smooth primary load " + primaryLoad[i]);
            float sum = 0;
            for (int j = 0; j < groupSize; j++) sum += load.at(i * groupSize + j);
            int n = r.groupTokens()[i].length;
            // each token of X^(i) puts a smooth mass of about k_2 = 2 on the group's experts
            assertTrue(n == 0 ? sum == 0 : sum > 0, "group " + i + " load sum " + sum + " over " + n + " tokens");
        }
        NoisyTopKRouter primary = (NoisyTopKRouter) router.primary();
        assertTrue(maxAbs(primary.weight().grad()) > 0, "the primary gate gets a gradient from the load");
        assertTrue(maxAbs(primary.noiseWeight().grad()) > 0, "and so does its noise scale");
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.at(i)));
        return m;
    }

    @Test
    void byDefaultEveryTokenRunsTwoTimesTwoPairsThroughOneDispatch() {
        HierarchicalRouter router = HierarchicalRouter.softmax(D, 4, 3, new Rng(4));
        HierarchicalRouting r = router.route(Variable.constant(GradCheck.randn(8, 50, D)), false, new Rng(5));
        assertEquals(50 * 4, r.plan().pairs());
        int[] perToken = new int[50];
        for (int p = 0; p < r.plan().pairs(); p++) {
            perToken[r.plan().pairToken()[p]]++;
            int group = r.plan().pairExpert()[p] / 3;
            int t = r.plan().pairToken()[p];
            assertTrue(Arrays.binarySearch(r.groupTokens()[group], t) >= 0, "pair's token is in its group's X^(i)");
        }
        int[] expected = new int[50];
        Arrays.fill(expected, 4);
        assertArrayEquals(expected, perToken);
        double[] perTokenGate = new double[50];
        for (int p = 0; p < r.plan().pairs(); p++) perTokenGate[r.plan().pairToken()[p]] += r.gates().value().at(p);
        for (double g : perTokenGate) assertEquals(1.0, g, 1e-5, "renormalised gates of both levels multiply to sum 1");
    }

    @Test
    void oneGroupIsTheFlatLayerWithTheSecondaryRouter() {
        Rng init = new Rng(9);
        HierarchicalRouter router = HierarchicalRouter.softmax(D, 1, 5, 1, 2, init);
        MlpExperts experts = new MlpExperts(5, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", init);
        HierarchicalMoeLayer layer = new HierarchicalMoeLayer(router, experts, BalancingLosses.none(), init);
        SoftmaxTopKRouter flatRouter = new SoftmaxTopKRouter(D, 5, TopKGating.mixtral(2), 0f, init);
        flatRouter.weight().value().copyFrom(((SoftmaxTopKRouter) router.secondary(0)).weight().value());
        MlpExperts flatExperts = new MlpExperts(5, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", init);
        flatExperts.loadStateDict(experts.stateDict());
        MoeLayer flat = new MoeLayer(flatRouter, flatExperts, null, Capacity.dropless(), BalancingLosses.none(), false, init);
        Tensor x = GradCheck.randn(21, 17, D);
        float[] h = layer.forward(Variable.constant(x)).output().value().data();
        float[] f = flat.forward(Variable.constant(x)).output().value().data();
        assertArrayEquals(f, h, 1e-6f);
    }

    @Test
    void badShapesAreNamed() {
        Rng rng = new Rng(1);
        assertMessage("primary k = 3 must be in [1, 2]", () -> HierarchicalRouter.softmax(D, 2, 4, 3, 1, rng));
        assertMessage("secondary k = 5 must be in [1, 4]", () -> HierarchicalRouter.softmax(D, 2, 4, 1, 5, rng));
        assertMessage("a = 0 groups of b = 4 experts; both must be >= 1", () -> HierarchicalRouter.noisy(D, 0, 4, 1, 1, 0f));
        assertMessage("a = 2 groups of b = 0 experts", () -> HierarchicalRouter.softmax(D, 2, 0, 1, 1, rng));
        assertMessage("a = 2 groups but there are 1 secondary routers", () -> new HierarchicalRouter(
                new SoftmaxTopKRouter(D, 2, TopKGating.mixtral(1), 0f, rng),
                List.of(new SoftmaxTopKRouter(D, 3, TopKGating.mixtral(1), 0f, rng))));
        assertMessage("secondary router 1 has 2 experts but secondary router 0 has b = 3", () -> new HierarchicalRouter(
                new SoftmaxTopKRouter(D, 2, TopKGating.mixtral(1), 0f, rng),
                List.of(new SoftmaxTopKRouter(D, 3, TopKGating.mixtral(1), 0f, rng),
                        new SoftmaxTopKRouter(D, 2, TopKGating.mixtral(1), 0f, rng))));
        HierarchicalRouter router = HierarchicalRouter.softmax(D, 2, 3, 1, 1, rng);
        assertMessage("a * b = 2 * 3 = 6 experts but there are 5", () -> new HierarchicalMoeLayer(router,
                new MlpExperts(5, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", rng),
                BalancingLosses.none(), rng));
        assertMessage("zLoss = 0.001 must be 0", () -> new HierarchicalMoeLayer(router,
                new MlpExperts(6, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", rng),
                BalancingLosses.switchDefaults(), rng));
        HierarchicalMoeLayer layer = new HierarchicalMoeLayer(router,
                new MlpExperts(6, D, HIDDEN, OUT, MlpExperts.Act.RELU, true, false, "fc1", "fc2", rng),
                BalancingLosses.none(), rng);
        assertMessage("input shape [3, 4] must hold at least one token and end in d = 5",
                () -> layer.forward(Variable.constant(Tensor.zeros(3, 4))));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
