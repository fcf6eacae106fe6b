package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.ExpertChoiceRouter;
import org.moe4j.moe.router.SigmoidBiasRouter;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/** Bad configurations and inputs fail with a message that names the value and the allowed range. */
class BadInputTest {
    private static void fails(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), "'" + ex.getMessage() + "' lacks '" + f + "'");
    }

    @Test
    void topKAboveTheNumberOfExperts() {
        fails(() -> new SoftmaxTopKRouter(4, 3, TopKGating.mixtral(4), 0f, new Rng(1)), "topK = 4", "[1, 3]");
        fails(() -> new SigmoidBiasRouter(4, 3, 5, true, 1f, 0.001f, 0f, new Rng(1)), "topK = 5", "[1, 3]");
        fails(() -> TopKGating.mixtral(0), "topK = 0", ">= 1");
    }

    @Test
    void fewerThanOneExpert() {
        fails(() -> new SoftmaxTopKRouter(4, 0, TopKGating.mixtral(1), 0f, new Rng(1)), "numExperts = 0", ">= 1");
        fails(() -> new SwiGluExperts(0, 4, 4, new Rng(1)), "numExperts", "0");
    }

    @Test
    void negativeOrNonFiniteCapacityFactor() {
        fails(() -> new Capacity(-1), "capacityFactor = -1.0", "0 (dropless) or finite and > 0");
        fails(() -> new Capacity(Double.NaN), "capacityFactor = NaN");
        fails(() -> new ExpertChoiceRouter(4, 2, 0, new Rng(1)), "capacityFactor = 0.0", "> 0");
    }

    @Test
    void mismatchedExpertShapes() {
        Rng rng = new Rng(2);
        StackedLinear w = new StackedLinear(3, 4, 5, false, rng);
        fails(() -> w.setExpert(1, Tensor.zeros(5, 3), null), "expert 1 weight has shape [5, 3]", "must be [5, 4]");
        IndexOutOfBoundsException slot = assertThrows(IndexOutOfBoundsException.class, () -> w.setExpert(3, Tensor.zeros(5, 4), null));
        assertTrue(slot.getMessage().contains("expert 3 is out of range [0, 3)"), slot.getMessage());
        fails(() -> new MoeLayer(new SoftmaxTopKRouter(4, 3, TopKGating.mixtral(1), 0f, rng), new SwiGluExperts(2, 4, 4, rng),
                null, Capacity.dropless(), BalancingLosses.none(), false, rng), "router has 3 experts", "2 experts");
        fails(() -> new MoeLayer(new SoftmaxTopKRouter(4, 2, TopKGating.mixtral(1), 0f, rng), new SwiGluExperts(2, 4, 4, rng),
                new org.moe4j.nn.SwiGluFeedForward(6, 4, rng), Capacity.dropless(), BalancingLosses.none(), false, rng),
                "shared experts map 6 -> 6", "routed experts map 4 -> 4");
        MoeLayer layer = new MoeLayer(new SoftmaxTopKRouter(4, 2, TopKGating.mixtral(1), 0f, rng),
                new SwiGluExperts(2, 4, 4, rng), null, Capacity.dropless(), BalancingLosses.none(), false, rng);
        fails(() -> layer.forward(Variable.constant(Tensor.zeros(3, 5))), "[3, 5]", "d = 4");
    }

    @Test
    void nanRouterLogitsNameTheTokenAndExpert() {
        Rng rng = new Rng(3);
        MoeLayer layer = new MoeLayer(new SoftmaxTopKRouter(2, 2, TopKGating.mixtral(1), 0f, rng),
                new SwiGluExperts(2, 2, 3, rng), null, Capacity.dropless(), BalancingLosses.none(), false, rng);
        Tensor x = Tensor.zeros(3, 2);
        x.set(Float.NaN, 2, 1);
        fails(() -> layer.forward(Variable.constant(x)), "token 2", "NaN", "must be finite");
    }

    @Test
    void expertChoiceRefusesACausalDecoder() {
        Rng rng = new Rng(4);
        fails(() -> new MoeLayer(new ExpertChoiceRouter(4, 2, 1.0, rng), new SwiGluExperts(2, 4, 4, rng), null,
                Capacity.dropless(), BalancingLosses.none(), true, rng), "causal decoder", "later tokens");
        fails(() -> new MoeLayer(new ExpertChoiceRouter(4, 2, 1.0, rng), new SwiGluExperts(2, 4, 4, rng), null,
                Capacity.dropless(), BalancingLosses.switchDefaults(), false, rng), "loadBalancing = 0.01 must be 0");
    }

    @Test
    void badGatingAndLossOptions() {
        fails(() -> new TopKGating(2, TopKGating.Order.TOPK_THEN_SOFTMAX, false, 0f, 1f), "renormalize = true");
        fails(() -> new TopKGating(2, TopKGating.Order.SOFTMAX_THEN_TOPK, true, -1e-6f, 1f), "renormEpsilon = -1.0E-6");
        fails(() -> new BalancingLosses(-0.01, null, 0, 0, 0), "loadBalancing coefficient = -0.01", ">= 0");
        fails(() -> new SoftmaxTopKRouter(4, 2, TopKGating.mixtral(1), 1.5f, new Rng(1)), "jitter 1.5", "[0, 1)");
    }
}
