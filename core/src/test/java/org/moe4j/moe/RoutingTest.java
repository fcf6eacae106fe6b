package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.ExpertChoiceRouter;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.Routing;
import org.moe4j.moe.router.SigmoidBiasRouter;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** Routers, capacity and diagnostics on small hand-made examples. */
class RoutingTest {
    @Test
    void topKBreaksTiesTowardsTheLowerIndex() {
        float[] scores = {0.2f, 0.5f, 0.5f, 0.1f, 0.5f};
        assertArrayEquals(new int[] {1, 2, 4}, TopKGating.topExperts(scores, 0, 1, 5, 3, null));
        float[] bias = {0f, 0f, 0f, 1f, 0f};
        assertArrayEquals(new int[] {3, 1}, TopKGating.topExperts(scores, 0, 1, 5, 2, bias));
    }

    /** A routing of 4 tokens over 2 experts, k = 2, first choices: 0, 0, 0, 1. */
    private static Routing fourTokens() {
        int[] index = {0, 1, 0, 1, 0, 1, 1, 0};
        Variable logits = Variable.constant(Tensor.zeros(4, 2));
        return Routing.tokenChoice(logits, Variable.constant(Tensor.full(0.5f, 4, 2)), 2, index,
                Variable.constant(Tensor.full(0.5f, 4, 2)), null);
    }

    @Test
    void capacityServesAllFirstChoicesBeforeAnySecondChoice() {
        // capacity = ceil(0.5 * 4 * 2 / 2) = 2 slots per expert
        Capacity c = new Capacity(0.5);
        assertEquals(2, c.slots(4, 2, 2));
        boolean[] keep = c.keep(fourTokens(), 4);
        // pairs are slot-major: first choices of tokens 0..3, then second choices of tokens 0..3
        // expert 0 gets tokens 0 and 1 (first choices); token 2's first choice is dropped;
        // expert 1 gets token 3 (first choice) and token 0 (second choice)
        assertArrayEquals(new boolean[] {true, true, false, true, true, false, false, false}, keep);
    }

    @Test
    void droplessKeepsEveryPairAndGroupsHaveTheirOwnSlots() {
        assertTrue(allTrue(Capacity.dropless().keep(fourTokens(), 4)));
        // groups of 2 tokens: 1 slot each per expert; group {0,1}: expert 0 <- token 0, expert 1 <- token 0 (second);
        // group {2,3}: expert 0 <- token 2, expert 1 <- token 3
        boolean[] keep = new Capacity(0.5).keep(fourTokens(), 2);
        assertArrayEquals(new boolean[] {true, false, true, true, true, false, false, false}, keep);
    }

    private static boolean allTrue(boolean[] b) {
        for (boolean v : b) if (!v) return false;
        return true;
    }

    @Test
    void aTokenWhosePairsAreAllDroppedGetsZeroAndTheSharedExpertsStillRun() {
        Rng rng = new Rng(3);
        int d = 4;
        SoftmaxTopKRouter router = new SoftmaxTopKRouter(d, 2, TopKGating.mixtral(1), 0f, rng);
        // every token prefers expert 0: with 1 slot per expert only token 0 is computed
        router.weight().value().fill(0f);
        router.weight().value().set(1f, 0, 0);
        Tensor x = Tensor.full(1f, 3, d);
        MoeLayer layer = new MoeLayer(router, new SwiGluExperts(2, d, 3, rng), null, new Capacity(0.5),
                BalancingLosses.none(), false, rng);
        MoeLayer.Output out = layer.forward(Variable.constant(x));
        assertEquals(1, out.plan().pairs());
        float[] y = out.output().value().toArray();
        for (int i = d; i < 3 * d; i++) assertEquals(0f, y[i], "dropped token row");
        assertNotEquals(0f, y[0]);
        assertEquals(2.0 / 3, out.diagnostics().droppedFraction(), 1e-12);
        assertArrayEquals(new int[] {3, 0}, out.diagnostics().routedPerExpert());
        assertArrayEquals(new int[] {1, 0}, out.diagnostics().tokensPerExpert());
    }

    @Test
    void diagnosticsOfAKnownRouting() {
        Rng rng = new Rng(4);
        SoftmaxTopKRouter router = new SoftmaxTopKRouter(2, 2, TopKGating.mixtral(1), 0f, rng);
        // logits = x: token 0 -> (ln 3, 0) so p = (0.75, 0.25); token 1 -> (0, ln 3) so p = (0.25, 0.75)
        router.weight().value().copyFrom(Tensor.of(new float[] {1, 0, 0, 1}, 2, 2));
        float l3 = (float) Math.log(3);
        MoeLayer layer = new MoeLayer(router, new SwiGluExperts(2, 2, 2, rng), null, Capacity.dropless(),
                BalancingLosses.none(), false, rng);
        MoeDiagnostics d = layer.forward(Variable.constant(Tensor.of(new float[] {l3, 0, 0, l3}, 2, 2))).diagnostics();
        assertArrayEquals(new int[] {1, 1}, d.tokensPerExpert());
        assertEquals(0, d.droppedFraction());
        assertEquals(0, d.loadCv(), 1e-12);
        assertEquals(1, d.maxOverMeanLoad(), 1e-12);
        double entropy = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
        assertEquals(entropy, d.routingEntropy(), 1e-6);
        assertEquals(0.75, d.meanTopProbability(), 1e-6);
        double lse = Math.log(4);
        assertEquals(lse * lse, d.zLoss(), 1e-5);
        assertEquals(d, layer.lastDiagnostics());
        java.util.Map<String, Double> metrics = d.metrics("moe.");
        assertEquals(0.75, metrics.get("moe.mean_top_probability"), 1e-6);
        assertEquals(1.0, metrics.get("moe.tokens_per_expert.1"));
        assertEquals(8, metrics.size());
    }

    @Test
    void noisyRouterDrawsNoiseOnlyWhileTraining() {
        NoisyTopKRouter router = new NoisyTopKRouter(3, 4, TopKGating.mixtral(2), 0.01f, NoisyTopKRouter.ThresholdSource.NOISY_LOGITS);
        router.weight().value().copyFrom(GradCheck.randn(1, 4, 3));
        Variable x = Variable.constant(GradCheck.randn(2, 5, 3));
        Routing eval = router.route(x, false, new Rng(1));
        assertNull(eval.noisy());
        Routing train = router.route(x, true, new Rng(1));
        assertTrue(train.noisy() != null);
        assertNotEquals(eval.probs().value().at(0), train.probs().value().at(0));
        assertArrayEquals(eval.logits().value().toArray(), train.logits().value().toArray());
    }

    @Test
    void jitterMultipliesTheRouterInputOnlyWhileTraining() {
        Rng init = new Rng(5);
        SoftmaxTopKRouter router = new SoftmaxTopKRouter(3, 4, TopKGating.mixtral(1), 0.01f, init);
        Variable x = Variable.constant(GradCheck.randn(6, 5, 3));
        Tensor plain = new SoftmaxTopKRouter(3, 4, TopKGating.mixtral(1), 0f, new Rng(5)).route(x, true, new Rng(2)).logits().value();
        Tensor eval = router.route(x, false, new Rng(2)).logits().value();
        Tensor train = router.route(x, true, new Rng(2)).logits().value();
        assertArrayEquals(plain.toArray(), eval.toArray());
        float maxRel = 0;
        for (int i = 0; i < plain.size(); i++) {
            assertNotEquals(plain.at(i), train.at(i));
            maxRel = Math.max(maxRel, Math.abs(train.at(i) - plain.at(i)));
        }
        assertTrue(maxRel < 0.1f, "jitter of 1% moves logits a little, got " + maxRel);
    }

    @Test
    void sigmoidRouterBiasSteersTheChoiceButNotTheGatesAndFollowsTheLoad() {
        Rng rng = new Rng(6);
        SigmoidBiasRouter router = new SigmoidBiasRouter(2, 3, 1, false, 1f, 0.5f, 0f, rng);
        router.weight().value().copyFrom(Tensor.of(new float[] {1, 0, 0, 1, 0, 0}, 3, 2));
        Variable x = Variable.constant(Tensor.of(new float[] {2, 1}, 1, 2));
        Routing before = router.route(x, false, rng);
        assertArrayEquals(new int[] {0}, before.expertIndex());
        // mean load 1: expert 0 above it, expert 1 at it, expert 2 below: b = (-0.5, 0, +0.5) after one step
        router.afterStep(new int[] {2, 1, 0});
        assertArrayEquals(new float[] {-0.5f, 0f, 0.5f}, router.selectionBias());
        router.afterStep(new int[] {2, 1, 0});
        // scores s = sigmoid(2, 1, 0) = (0.881, 0.731, 0.5); with b = (-1, 0, 1): s + b = (-0.119, 0.731, 1.5)
        Routing after = router.route(x, false, rng);
        assertArrayEquals(new int[] {2}, after.expertIndex());
        assertEquals(0.5f, after.gates().value().item(), 1e-6f, "the gate is the bare score, the bias is for the choice only");
    }

    @Test
    void expertChoiceGivesEveryExpertItsTopTokens() {
        Rng rng = new Rng(7);
        int d = 3;
        ExpertChoiceRouter router = new ExpertChoiceRouter(d, 2, 1.0, rng);
        Variable x = Variable.constant(GradCheck.randn(8, 6, d));
        Routing r = router.route(x, false, rng);
        assertEquals(3, router.capacity(6));
        assertEquals(6, r.pairToken().length);
        Tensor p = r.probs().value();
        for (int e = 0; e < 2; e++) {
            float lowestTaken = Float.MAX_VALUE;
            java.util.Set<Integer> taken = new java.util.HashSet<>();
            for (int q = 0; q < 6; q++) {
                if (r.pairExpert()[q] != e) continue;
                taken.add(r.pairToken()[q]);
                lowestTaken = Math.min(lowestTaken, p.get(r.pairToken()[q], e));
                assertEquals(r.pairToken()[q] * 2 + e, r.pairGate()[q]);
            }
            for (int t = 0; t < 6; t++) {
                if (!taken.contains(t)) assertTrue(p.get(t, e) <= lowestTaken, "expert " + e + " skipped a better token " + t);
            }
        }
        // the layer's output per token is the sum over the experts that took it of S[t, e] * expert_e(x_t)
        MoeLayer layer = new MoeLayer(router, new SwiGluExperts(2, d, 4, rng), null, Capacity.dropless(),
                BalancingLosses.none(), false, rng);
        MoeLayer.Output out = layer.forward(x);
        assertEquals(0, out.diagnostics().loadCv(), 1e-12);
    }
}
