package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.GradCheck;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Generated cases beyond the public ones (E = 1, every k from 1 to E, T = 1, 3-D inputs, capacity
 * dropping, MLP experts with biases and an output softmax, every gating option): the MoE layer's
 * output is checked against {@link PerTokenMoe} and every gradient (x, router, all expert weights)
 * against central finite differences of it, in double precision ({@link GradCheck}).
 */
class MoeLayerGradTest {
    private static final float WEIGHT_SCALE = 0.7f;

    /** Builds the layer, runs GradCheck with inputs [x, router weight, expert weights...]. */
    private static void check(String name, PerTokenMoe.Config c, int[] xShape) {
        Rng rng = new Rng(name.hashCode());
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(GradCheck.randn(rng.nextLong(), xShape));
        inputs.add(scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.d()), 1.5f));
        boolean swiglu = c.kind() == PerTokenMoe.ExpertKind.SWIGLU;
        inputs.add(scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.hidden(), c.d()), WEIGHT_SCALE));
        inputs.add(swiglu ? scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.hidden(), c.d()), WEIGHT_SCALE)
                : scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.hidden()), WEIGHT_SCALE));
        inputs.add(scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.out(), c.hidden()), WEIGHT_SCALE));
        if (!swiglu) inputs.add(scaled(GradCheck.randn(rng.nextLong(), c.experts(), c.out()), WEIGHT_SCALE));

        Function<Variable[], Variable> f = vars -> {
            Rng init = new Rng(1);
            SoftmaxTopKRouter router = new SoftmaxTopKRouter(c.d(), c.experts(), c.gating(), 0f, init);
            Module experts;
            List<Variable> inner = new ArrayList<>();
            inner.add(router.weight());
            if (swiglu) {
                SwiGluExperts s = new SwiGluExperts(c.experts(), c.d(), c.hidden(), init);
                inner.addAll(List.of(s.w1().weight(), s.w3().weight(), s.w2().weight()));
                experts = s;
            } else {
                MlpExperts.Act act = c.kind() == PerTokenMoe.ExpertKind.MLP_GELU ? MlpExperts.Act.GELU : MlpExperts.Act.RELU;
                MlpExperts m = new MlpExperts(c.experts(), c.d(), c.hidden(), c.out(), act, true,
                        c.outputSoftmax(), "fc1", "fc2", init);
                inner.addAll(List.of(m.first().weight(), m.first().bias(), m.second().weight(), m.second().bias()));
                experts = m;
            }
            Variable[] outer = java.util.Arrays.copyOfRange(vars, 1, vars.length);
            Variable[] in = inner.toArray(Variable[]::new);
            Bridge.copyIn(outer, in);
            MoeLayer layer = swiglu
                    ? new MoeLayer(router, (SwiGluExperts) experts, null, new Capacity(c.capacityFactor()),
                            BalancingLosses.none(), false, init)
                    : new MoeLayer(router, (MlpExperts) experts, null, new Capacity(c.capacityFactor()),
                            BalancingLosses.none(), false, init);
            MoeLayer.Output out = layer.forward(vars[0]);
            assertEquals(xShape.length, out.output().shape().length);
            return Bridge.wrap(out.output(), outer, in);
        };
        GradCheck.Reference ref = v -> PerTokenMoe.forward(c, v[0], v[1], v[2], v[3], v[4], swiglu ? null : v[5]);
        boolean[] all = new boolean[inputs.size()];
        java.util.Arrays.fill(all, true);
        GradCheck.check(name, f, ref, inputs.toArray(Tensor[]::new), all, GradCheck.DEFAULT);
    }

    private static Tensor scaled(Tensor t, float s) {
        for (int i = 0; i < t.size(); i++) t.data()[i] *= s;
        return t;
    }

    private static PerTokenMoe.Config swiglu(int tokens, int d, int experts, int hidden, int k, double capacity, int group) {
        return new PerTokenMoe.Config(tokens, d, experts, hidden, d, PerTokenMoe.ExpertKind.SWIGLU, TopKGating.mixtral(k),
                capacity, group, false);
    }

    @Test
    void oneExpert() {
        check("E=1", swiglu(5, 4, 1, 3, 1, 0, 5), new int[] {5, 4});
    }

    @Test
    void everyKFromOneToE() {
        for (int k = 1; k <= 4; k++) {
            check("E=4 k=" + k, swiglu(6, 4, 4, 3, k, 0, 6), new int[] {6, 4});
        }
    }

    @Test
    void oneToken() {
        check("T=1", swiglu(1, 4, 3, 3, 2, 0, 1), new int[] {1, 4});
    }

    @Test
    void threeDimensionalInputWithCapacityPerSequence() {
        check("B=2 S=4 capacity 0.5", swiglu(8, 3, 3, 4, 2, 0.5, 4), new int[] {2, 4, 3});
    }

    @Test
    void mlpExpertsWithBiasesOutputSoftmaxAndEpsilonRenormalisation() {
        TopKGating gating = new TopKGating(2, TopKGating.Order.SOFTMAX_THEN_TOPK, true, 1e-6f, 1f);
        check("davidmrau-like", new PerTokenMoe.Config(7, 5, 4, 6, 3, PerTokenMoe.ExpertKind.MLP_RELU, gating, 0, 7, true),
                new int[] {7, 5});
    }

    @Test
    void softmaxAfterTopKWithOutputScaleAndNoRenormalisation() {
        check("topk then softmax, scale 2.5", new PerTokenMoe.Config(6, 4, 5, 3, 4, PerTokenMoe.ExpertKind.MLP_RELU,
                new TopKGating(3, TopKGating.Order.TOPK_THEN_SOFTMAX, true, 0f, 2.5f), 0, 6, false), new int[] {6, 4});
        check("not renormalised", new PerTokenMoe.Config(6, 4, 5, 3, 4, PerTokenMoe.ExpertKind.MLP_RELU,
                new TopKGating(2, TopKGating.Order.SOFTMAX_THEN_TOPK, false, 0f, 1f), 0, 6, false), new int[] {6, 4});
    }

    @Test
    void geluMlpExperts() {
        check("GELU experts", new PerTokenMoe.Config(6, 4, 3, 5, 4, PerTokenMoe.ExpertKind.MLP_GELU, TopKGating.mixtral(2),
                0, 6, false), new int[] {6, 4});
    }
}
