package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.ActivationsReference;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

class ActivationTest {
    private static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = f.applyAsDouble(x[i]);
        return y;
    }

    @Test
    void everyActivationMatchesFiniteDifferences() {
        Tensor x = Tensor.zeros(3, 17);
        float[] d = GradCheck.randn(11, 3, 17).toArray();
        for (int i = 0; i < d.length; i++) x.data()[i] = 3 * d[i];
        record Case(Activation.Kind kind, DoubleUnaryOperator ref) {}
        for (Case c : new Case[] {
                new Case(Activation.Kind.RELU, ActivationsReference::relu),
                new Case(Activation.Kind.GELU, ActivationsReference::gelu),
                new Case(Activation.Kind.GELU_TANH, ActivationsReference::geluTanh),
                new Case(Activation.Kind.SILU, ActivationsReference::silu),
                new Case(Activation.Kind.SIGMOID, ActivationsReference::sigmoid),
                new Case(Activation.Kind.SOFTPLUS, ActivationsReference::softplus)}) {
            GradCheck.check(c.kind().name(), v -> c.kind().apply(v[0]), in -> map(in[0], c.ref()), x);
        }
    }

    @Test
    void swigluMatchesFiniteDifferences() {
        GradCheck.check("swiglu", v -> Activation.swiglu(v[0], v[1]), in -> {
            double[] out = new double[in[0].length];
            for (int i = 0; i < out.length; i++) out[i] = ActivationsReference.silu(in[0][i]) * in[1][i];
            return out;
        }, GradCheck.randn(12, 4, 9), GradCheck.randn(13, 4, 9));
    }

    @Test
    void arithmeticMatchesFiniteDifferences() {
        GradCheck.check("add", v -> Arithmetic.add(v[0], v[1]), in -> {
            double[] o = in[0].clone();
            for (int i = 0; i < o.length; i++) o[i] += in[1][i];
            return o;
        }, GradCheck.randn(1, 2, 5), GradCheck.randn(2, 2, 5));
        GradCheck.check("mul", v -> Arithmetic.mul(v[0], v[1]), in -> {
            double[] o = in[0].clone();
            for (int i = 0; i < o.length; i++) o[i] *= in[1][i];
            return o;
        }, GradCheck.randn(3, 2, 5), GradCheck.randn(4, 2, 5));
        GradCheck.check("scale", v -> Arithmetic.scale(v[0], -2.5f), in -> map(in[0], t -> -2.5 * t), GradCheck.randn(5, 7));
        GradCheck.check("sum", v -> Arithmetic.sum(v[0]), in -> {
            double s = 0;
            for (double t : in[0]) s += t;
            return new double[] {s};
        }, GradCheck.randn(6, 3, 4));
        GradCheck.check("weighted_sum", v -> Arithmetic.weightedSum(new Variable[] {v[0], v[1]}, new float[] {0.5f, 3f}),
                in -> new double[] {0.5 * in[0][0] + 3 * in[1][0]}, Tensor.scalar(1.5f), Tensor.scalar(-2f));
        GradCheck.check("reshape", v -> Arithmetic.reshape(v[0], 4, 3), in -> in[0].clone(), GradCheck.randn(7, 2, 6));
    }

    @Test
    void dropoutScalesSurvivorsAndIsSeeded() {
        Tensor ones = Tensor.full(1f, 10_000);
        Variable x = Variable.parameter(ones);
        Variable y = Dropout.apply(x, 0.25, new Rng(1));
        int kept = 0;
        for (int i = 0; i < y.value().size(); i++) {
            float v = y.value().at(i);
            assertTrue(v == 0f || Math.abs(v - 4f / 3f) < 1e-6, "value " + v);
            if (v != 0f) kept++;
        }
        assertEquals(7500, kept, 150);
        y.backward(Tensor.full(1f, 10_000));
        assertArrayEquals(y.value().toArray(), x.grad().toArray(), "the gradient passes where the value did, scaled alike");
        assertArrayEquals(Dropout.apply(Variable.constant(ones), 0.25, new Rng(1)).value().toArray(), y.value().toArray());
        var e = assertThrows(IllegalArgumentException.class, () -> Dropout.apply(x, 1.0, new Rng(1)));
        assertEquals("dropout: probability is 1.0, must be in [0, 1)", e.getMessage());
    }
}
