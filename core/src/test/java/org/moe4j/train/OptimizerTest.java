package org.moe4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

class OptimizerTest {
    private static Variable param(long seed, int n) {
        return Variable.parameter(Init.normal(Tensor.zeros(n), new Rng(seed), 0, 1));
    }

    private static void setGrad(Variable p, float[] g) {
        p.zeroGrad();
        p.accumulateGrad(Tensor.of(g.clone(), g.length));
    }

    private static float[] grads(int step, int n) {
        return Init.normal(Tensor.zeros(n), new Rng(100 + step), 0, 1).toArray();
    }

    /** Adam/AdamW in double from the formulas of Kingma and Ba / Loshchilov and Hutter. */
    private static double[] adamRef(double[] p, int steps, int n, double lr, double wd, boolean decoupled) {
        double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[] m = new double[n], v = new double[n];
        for (int t = 1; t <= steps; t++) {
            float[] g = grads(t, n);
            for (int i = 0; i < n; i++) {
                double gi = g[i] + (decoupled ? 0 : wd * p[i]);
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double mh = m[i] / (1 - Math.pow(b1, t));
                double vh = v[i] / (1 - Math.pow(b2, t));
                if (decoupled) p[i] *= 1 - lr * wd;
                p[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        return p;
    }

    @Test
    void adamAndAdamWFollowTheirFormulas() {
        for (boolean decoupled : new boolean[] {false, true}) {
            int n = 37;
            Variable p = param(1, n);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = p.value().at(i);
            Adam opt = new Adam(List.of(new ParameterGroup("g", Map.of("w", p), 0.01, 0.1)),
                    decoupled ? Adam.Config.adamW() : Adam.Config.adam());
            for (int t = 1; t <= 20; t++) {
                setGrad(p, grads(t, n));
                opt.step();
            }
            adamRef(ref, 20, n, 0.01, 0.1, decoupled);
            for (int i = 0; i < n; i++) assertEquals(ref[i], p.value().at(i), 1e-5, "decoupled=" + decoupled + " i=" + i);
        }
    }

    @Test
    void sgdMomentumAndNesterov() {
        int n = 5;
        for (boolean nesterov : new boolean[] {false, true}) {
            Variable p = param(2, n);
            double[] ref = new double[n], buf = new double[n];
            for (int i = 0; i < n; i++) ref[i] = p.value().at(i);
            Sgd opt = new Sgd(List.of(new ParameterGroup("g", Map.of("w", p), 0.1, 0.01)), 0.9, nesterov);
            for (int t = 1; t <= 5; t++) {
                float[] g = grads(t, n);
                setGrad(p, g);
                opt.step();
                for (int i = 0; i < n; i++) {
                    double gi = g[i] + 0.01 * ref[i];
                    buf[i] = t == 1 ? gi : 0.9 * buf[i] + gi;
                    ref[i] -= 0.1 * (nesterov ? gi + 0.9 * buf[i] : buf[i]);
                }
            }
            for (int i = 0; i < n; i++) assertEquals(ref[i], p.value().at(i), 1e-5);
        }
    }

    @Test
    void groupsHaveTheirOwnRatesAndScheduleScalesThem() {
        Variable a = Variable.parameter(Tensor.zeros(1));
        Variable b = Variable.parameter(Tensor.zeros(1));
        Sgd opt = new Sgd(List.of(new ParameterGroup("a", Map.of("a", a), 0.1, 0),
                new ParameterGroup("b", Map.of("b", b), 1.0, 0)), 0, false);
        a.accumulateGrad(Tensor.of(new float[] {1}, 1));
        b.accumulateGrad(Tensor.of(new float[] {1}, 1));
        opt.step(0.5);
        assertEquals(-0.05f, a.value().at(0), 1e-7);
        assertEquals(-0.5f, b.value().at(0), 1e-7);
        var e = assertThrows(IllegalArgumentException.class, () -> new ParameterGroup("r", Map.of(), -1, 0));
        assertEquals("parameter group 'r': learningRate is -1.0, must be finite and > 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Sgd(List.of(new ParameterGroup("a", Map.of("a", a), 1, 0),
                new ParameterGroup("b", Map.of("a", a), 1, 0)), 0, false));
    }

    @Test
    void stateRoundTripResumesExactly() {
        int n = 11;
        Variable p1 = param(3, n);
        Variable p2 = Variable.parameter(p1.value().copy());
        Adam full = new Adam(List.of(new ParameterGroup("g", Map.of("w", p1), 0.01, 0.01)), Adam.Config.adamW());
        for (int t = 1; t <= 6; t++) {
            setGrad(p1, grads(t, n));
            full.step();
        }
        Adam first = new Adam(List.of(new ParameterGroup("g", Map.of("w", p2), 0.01, 0.01)), Adam.Config.adamW());
        for (int t = 1; t <= 3; t++) {
            setGrad(p2, grads(t, n));
            first.step();
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        first.stateDict().forEach((k, v) -> saved.put(k, v.copy()));
        Adam resumed = new Adam(List.of(new ParameterGroup("g", Map.of("w", p2), 0.01, 0.01)), Adam.Config.adamW());
        resumed.loadStateDict(saved, first.stepCount());
        for (int t = 4; t <= 6; t++) {
            setGrad(p2, grads(t, n));
            resumed.step();
        }
        assertArrayEquals(p1.value().toArray(), p2.value().toArray(), "bit-identical after resume");
        var e = assertThrows(IllegalArgumentException.class, () -> resumed.loadStateDict(Map.of("exp_avg/nope", Tensor.zeros(1)), 1));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void clippingByGlobalNorm() {
        Variable a = Variable.parameter(Tensor.zeros(2));
        Variable b = Variable.parameter(Tensor.zeros(1));
        a.accumulateGrad(Tensor.of(new float[] {3, 0}, 2));
        b.accumulateGrad(Tensor.of(new float[] {4}, 1));
        double norm = GradientClipping.clipByGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, norm, 1e-9);
        assertEquals(0.6f, a.grad().at(0), 1e-6);
        assertEquals(0.8f, b.grad().at(0), 1e-6);
        b.zeroGrad();
        b.accumulateGrad(Tensor.of(new float[] {Float.NaN}, 1));
        assertTrue(Double.isNaN(GradientClipping.clipByGlobalNorm(List.of(a, b), 1.0)));
    }

    @Test
    void clippingFoldedIntoTheStepGivesTheBitsOfScalingTheGradientsFirst() {
        int n = 3 * (1 << 15) + 5;
        for (String kind : new String[] {"adamw", "adam", "sgd"}) {
            Variable folded = param(5, n);
            Variable scaled = param(5, n);
            Optimizer a = optimizer(kind, folded);
            Optimizer b = optimizer(kind, scaled);
            for (int t = 1; t <= 4; t++) {
                float[] g = grads(t, n);
                for (int i = 0; i < n; i++) g[i] *= 3;
                setGrad(folded, g);
                setGrad(scaled, g);
                double norm = GradientClipping.globalNorm(List.of(folded));
                a.step(0.5, GradientClipping.scaleFor(norm, 1.0));
                GradientClipping.scaleToNorm(List.of(scaled), norm, 1.0);
                b.step(0.5);
            }
            assertArrayEquals(scaled.value().toArray(), folded.value().toArray(), kind);
            assertFalse(java.util.Arrays.equals(param(5, n).value().toArray(), folded.value().toArray()), kind + " moved");
        }
    }

    private static Optimizer optimizer(String kind, Variable p) {
        List<ParameterGroup> groups = List.of(new ParameterGroup("g", Map.of("w", p), 0.01, 0.1));
        return switch (kind) {
            case "adamw" -> new Adam(groups, Adam.Config.adamW());
            case "adam" -> new Adam(groups, Adam.Config.adam());
            default -> new Sgd(groups, 0.9, true);
        };
    }

    @Test
    void clippingsFactorIsAtMostOneAndOneForABadNorm() {
        assertEquals(0.2f, GradientClipping.scaleFor(5 - 1e-6, 1.0), 1e-7);
        assertEquals(1f, GradientClipping.scaleFor(0.5, 1.0));
        assertEquals(1f, GradientClipping.scaleFor(Double.NaN, 1.0));
        assertEquals(1f, GradientClipping.scaleFor(Double.POSITIVE_INFINITY, 1.0));
        var e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.scaleFor(1, 0));
        assertEquals("scaleFor: maxNorm is 0.0, must be > 0", e.getMessage());
        Variable p = param(1, 3);
        Optimizer opt = optimizer("adamw", p);
        var bad = assertThrows(IllegalArgumentException.class, () -> opt.step(1, 1.5f));
        assertEquals("optimizer step: gradScale is 1.5, must be in [0, 1]", bad.getMessage());
    }

    @Test
    void schedules() {
        LearningRateSchedule s = LearningRateSchedule.warmupCosine(10, 110, 0.1);
        assertEquals(0.1, s.factor(0), 1e-12);
        assertEquals(1.0, s.factor(9), 1e-12);
        assertEquals(1.0, s.factor(10), 1e-12);
        assertEquals(0.55, s.factor(60), 1e-12);
        assertEquals(0.1, s.factor(110), 1e-12);
        assertEquals(0.1, s.factor(1000), 1e-12);
        assertEquals(0.5, LearningRateSchedule.linearWarmup(4).factor(1), 1e-12);
        assertEquals(1.0, LearningRateSchedule.constant().factor(7), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.warmupCosine(10, 10, 0));
    }
}
