package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** Expert storage (stacked and per-expert), shared experts and fine-grained shapes. */
class ExpertsTest {
    @Test
    void perExpertTensorsRoundTripThroughTheStackedOnes() {
        MlpExperts a = new MlpExperts(3, 4, 5, 2, MlpExperts.Act.GELU, true, false, "fc1", "fc2", new Rng(1));
        Map<String, Tensor> split = PerExpertWeights.split(a, "block.experts");
        assertEquals(12, split.size());
        assertArrayEquals(new int[] {5, 4}, split.get("block.experts.2.fc1.weight").shape());
        assertEquals(a.first().weight().value().get(1, 3, 2), split.get("block.experts.1.fc1.weight").get(3, 2));
        MlpExperts b = new MlpExperts(3, 4, 5, 2, MlpExperts.Act.GELU, true, false, "fc1", "fc2", new Rng(2));
        PerExpertWeights.load(b, split, "block.experts");
        assertArrayEquals(a.second().bias().value().toArray(), b.second().bias().value().toArray());
        assertArrayEquals(a.first().weight().value().toArray(), b.first().weight().value().toArray());
        split.remove("block.experts.1.fc2.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PerExpertWeights.load(b, split, "block.experts"));
        assertTrue(e.getMessage().contains("'block.experts.1.fc2.bias' is missing"), e.getMessage());
    }

    @Test
    void sharedExpertsAreAddedToEveryTokenWithoutAGate() {
        Rng rng = new Rng(3);
        int d = 6;
        SoftmaxTopKRouter router = new SoftmaxTopKRouter(d, 4, TopKGating.mixtral(2), 0f, rng);
        SwiGluExperts routed = new SwiGluExperts(4, d, 5, rng);
        SwiGluFeedForward shared = new SwiGluFeedForward(d, 8, rng);
        MoeLayer with = new MoeLayer(router, routed, shared, Capacity.dropless(), BalancingLosses.none(), false, rng);
        MoeLayer without = new MoeLayer(router, routed, null, Capacity.dropless(), BalancingLosses.none(), false, rng);
        Variable x = Variable.constant(GradCheck.randn(4, 2, 3, d));
        float[] y = with.forward(x).output().value().toArray();
        float[] yRouted = without.forward(x).output().value().toArray();
        float[] yShared = shared.forward(x).value().toArray();
        for (int i = 0; i < y.length; i++) assertEquals(yRouted[i] + yShared[i], y[i], 1e-6f);
        assertTrue(with.namedParameters().containsKey("shared_experts.gate_proj.weight"));
    }

    @Test
    void fineGrainedExpertsMatchThePerTokenReference() {
        // DeepSeekMoE-style: many small experts, several active per token
        int tokens = 40;
        int d = 8;
        int experts = 32;
        int hidden = 4;
        int k = 6;
        Rng rng = new Rng(5);
        SoftmaxTopKRouter router = new SoftmaxTopKRouter(d, experts,
                new TopKGating(k, TopKGating.Order.SOFTMAX_THEN_TOPK, false, 0f, 1f), 0f, rng);
        SwiGluExperts ex = new SwiGluExperts(experts, d, hidden, rng);
        MoeLayer layer = new MoeLayer(router, ex, null, new Capacity(1.25), BalancingLosses.none(), false, rng);
        Tensor x = GradCheck.randn(6, tokens, d);
        float[] y = layer.forward(Variable.constant(x)).output().value().toArray();
        PerTokenMoe.Config c = new PerTokenMoe.Config(tokens, d, experts, hidden, d, PerTokenMoe.ExpertKind.SWIGLU,
                router.gating(), 1.25, tokens, false);
        double[] ref = PerTokenMoe.forward(c, GradCheck.toDouble(x), GradCheck.toDouble(router.weight().value()),
                GradCheck.toDouble(ex.w1().weight().value()), GradCheck.toDouble(ex.w3().weight().value()),
                GradCheck.toDouble(ex.w2().weight().value()), null);
        for (int i = 0; i < y.length; i++) assertEquals(ref[i], y[i], 1e-5 + 1e-4 * Math.abs(ref[i]), "element " + i);
    }
}
