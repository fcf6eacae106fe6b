package org.moe4j.moe;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;

/**
 * A MoE layer reuses last step's arrays: the stacked expert weights their gradient storage
 * (zeroGrad keeps it), the dispatch and the experts their activations and their gradients
 * ({@link ScratchArrays}). Whatever those arrays held, a step gives the bits of a fresh layer.
 */
class ExpertBuffersTest {
    private static MoeLayer layer() {
        Rng rng = new Rng(42);
        return new MoeLayer(new SoftmaxTopKRouter(16, 8, TopKGating.mixtral(2), 0f, rng), new SwiGluExperts(8, 16, 24, rng),
                null, new Capacity(0), BalancingLosses.switchDefaults(), true, rng);
    }

    private static void step(MoeLayer moe, Variable x) {
        MoeLayer.Output out = moe.forward(x);
        Arithmetic.add(Arithmetic.sum(Arithmetic.mul(out.output(), out.output())), out.auxLoss()).backward();
    }

    private static MoeLayer.Output stepKeepingOutput(MoeLayer moe, Variable x) {
        MoeLayer.Output out = moe.forward(x);
        Arithmetic.add(Arithmetic.sum(Arithmetic.mul(out.output(), out.output())), out.auxLoss()).backward();
        return out;
    }

    @Test
    void aStepOnTheArraysOfTheLastGivesTheBitsOfAFreshLayer() {
        MoeLayer reused = layer();
        ScratchArrays scratch = ((SwiGluExperts) reused.experts()).scratch();
        stepKeepingOutput(reused, Variable.parameter(GradCheck.randn(3, 2, 32, 16)));
        int kept = scratch.size();
        assertTrue(kept >= 8, "the step gave its arrays back: " + kept);
        reused.zeroGrad();

        Variable x = Variable.parameter(GradCheck.randn(4, 2, 32, 16));
        MoeLayer.Output again = stepKeepingOutput(reused, x);
        assertEquals(kept, scratch.size(), "the second step took the same arrays and gave them back");
        Variable xFresh = Variable.parameter(GradCheck.randn(4, 2, 32, 16));
        MoeLayer.Output fresh = stepKeepingOutput(layer(), xFresh);
        assertArrayEquals(fresh.output().value().toArray(), again.output().value().toArray(), "output");
        assertArrayEquals(xFresh.grad().toArray(), x.grad().toArray(), "dx");

        // without a recorded graph the arrays go back at once
        try (var noGrad = org.moe4j.autograd.GradMode.noGrad()) {
            MoeLayer.Output eval = reused.forward(Variable.constant(GradCheck.randn(4, 2, 32, 16)));
            assertArrayEquals(fresh.output().value().toArray(), eval.output().value().toArray(), "evaluation");
        }
        assertEquals(kept - 1, scratch.size(), "all but the output, which the caller keeps");
    }

    @Test
    void anExpertLeftOutAfterAFullStepGetsZeroAndTheRestTheBitsOfFreshStorage() {
        MoeLayer reused = layer();
        step(reused, Variable.constant(GradCheck.randn(1, 64, 16)));
        int[] first = reused.lastDiagnostics().routedPerExpert();
        for (int e = 0; e < 8; e++) assertTrue(first[e] > 0, "expert " + e + " is active in the first step");
        reused.zeroGrad();

        // one token reaches two experts
        Variable x = Variable.constant(GradCheck.randn(2, 1, 16));
        step(reused, x);
        MoeLayer fresh = layer();
        step(fresh, x);
        int[] second = reused.lastDiagnostics().routedPerExpert();
        assertEquals(2, java.util.Arrays.stream(second).filter(c -> c > 0).count());

        Map<String, Variable> got = reused.namedParameters();
        fresh.namedParameters().forEach((name, p) ->
                assertArrayEquals(p.grad().toArray(), got.get(name).grad().toArray(), name));
        float[] w1 = got.get("experts.w1.weight").grad().toArray();
        int block = 24 * 16;
        for (int e = 0; e < 8; e++) {
            if (second[e] > 0) continue;
            for (int i = e * block; i < (e + 1) * block; i++) assertEquals(0f, w1[i], "w1 of the idle expert " + e);
        }
    }
}
