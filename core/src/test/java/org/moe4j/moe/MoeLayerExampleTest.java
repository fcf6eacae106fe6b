package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/** The README's example, at a smaller width: it builds, trains end to end and reports diagnostics. */
class MoeLayerExampleTest {
    @Test
    void theReadmeExampleRunsAndEveryParameterGetsAGradient() {
        Rng rng = new Rng(42);
        MoeLayer moe = new MoeLayer(
                new SoftmaxTopKRouter(32, 8, TopKGating.mixtral(2), 0f, rng),
                new SwiGluExperts(8, 32, 48, rng),
                null,
                new Capacity(1.25),
                BalancingLosses.switchDefaults(),
                true, rng);
        Variable x = Variable.constant(GradCheck.randn(1, 2, 16, 32));
        MoeLayer.Output out = moe.forward(x);
        Variable taskLoss = Arithmetic.sum(Arithmetic.mul(out.output(), out.output()));
        Variable loss = Arithmetic.add(taskLoss, out.auxLoss());
        loss.backward();
        moe.namedParameters().forEach((name, p) -> assertNotNull(p.grad(), name + " got no gradient"));
        assertEquals(64, java.util.Arrays.stream(out.diagnostics().routedPerExpert()).sum());
        assertTrue(out.diagnostics().droppedFraction() >= 0 && out.diagnostics().droppedFraction() < 1);
        assertTrue(out.lossTerms().keySet().containsAll(java.util.List.of("load_balancing", "z_loss")));
    }
}
