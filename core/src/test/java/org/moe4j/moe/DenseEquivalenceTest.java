package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * A one-expert dropless MoE is the dense layer: the softmax over one expert is exactly 1, so the
 * output and every gradient must equal the dense SwiGLU's bit for bit.
 */
class DenseEquivalenceTest {
    @Test
    void oneExpertDroplessMoeEqualsTheDenseLayerExactly() {
        int d = 24;
        int hidden = 40;
        int tokens = 37;
        Rng rng = new Rng(11);
        SwiGluFeedForward dense = new SwiGluFeedForward(d, hidden, rng);
        SwiGluExperts experts = new SwiGluExperts(1, d, hidden, rng);
        experts.w1().setExpert(0, dense.gate().weight().value(), null);
        experts.w3().setExpert(0, dense.up().weight().value(), null);
        experts.w2().setExpert(0, dense.down().weight().value(), null);
        MoeLayer moe = new MoeLayer(new SoftmaxTopKRouter(d, 1, TopKGating.mixtral(1), 0f, rng), experts, null,
                Capacity.dropless(), BalancingLosses.none(), false, rng);

        Tensor x = GradCheck.randn(12, tokens, d);
        Tensor seed = GradCheck.randn(13, tokens, d);
        Variable xDense = Variable.parameter(x.copy());
        Variable yDense = dense.forward(xDense);
        yDense.backward(seed);
        Variable xMoe = Variable.parameter(x.copy());
        Variable yMoe = moe.forward(xMoe).output();
        yMoe.backward(seed);

        assertArrayEquals(yDense.value().toArray(), yMoe.value().toArray());
        assertArrayEquals(xDense.grad().toArray(), xMoe.grad().toArray());
        assertArrayEquals(dense.gate().weight().grad().toArray(), experts.w1().weight().grad().toArray());
        assertArrayEquals(dense.up().weight().grad().toArray(), experts.w3().weight().grad().toArray());
        assertArrayEquals(dense.down().weight().grad().toArray(), experts.w2().weight().grad().toArray());
    }
}
