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

/**
 * The stacked expert weights reuse last step's gradient storage (zeroGrad keeps it): an expert no
 * token reaches in this step must still get a zero gradient, not what it had in the last one.
 */
class ExpertGradientBufferTest {
    private static MoeLayer layer() {
        Rng rng = new Rng(42);
        return new MoeLayer(new SoftmaxTopKRouter(16, 8, TopKGating.mixtral(2), 0f, rng), new SwiGluExperts(8, 16, 24, rng),
                null, new Capacity(0), BalancingLosses.switchDefaults(), true, rng);
    }

    private static void step(MoeLayer moe, Variable x) {
        MoeLayer.Output out = moe.forward(x);
        Arithmetic.add(Arithmetic.sum(Arithmetic.mul(out.output(), out.output())), out.auxLoss()).backward();
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
