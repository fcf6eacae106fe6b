package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Checks an operation's float32 forward and hand-written backward against an independent
 * reference written in double precision: the forward against the reference's values, and every
 * input gradient against central finite differences of the reference (in double, step h), for
 * the objective L = sum(out * R) with a fixed random R.
 *
 * <p>Tolerance: |analytic - numeric| <= atol + rtol * |numeric| elementwise, where rtol and atol
 * are stated by each test (float32 arithmetic bounds how close the analytic side can be).
 */
public final class GradCheck {
    private GradCheck() {}

    /** An operation's reference: inputs (flattened, row-major) to the output (flattened). */
    @FunctionalInterface
    public interface Reference {
        double[] apply(double[][] inputs);
    }

    public record Tolerance(double rtol, double atol) {}

    public static final Tolerance DEFAULT = new Tolerance(2e-3, 2e-4);

    /**
     * Runs the check. {@code differentiable[i]} says whether input i gets a gradient (others are
     * constants, e.g. integer indices stored as floats).
     */
    public static void check(String op, Function<Variable[], Variable> f, Reference ref, Tensor[] inputs,
                             boolean[] differentiable, Tolerance tol) {
        Variable[] vars = new Variable[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            vars[i] = differentiable[i] ? Variable.parameter(inputs[i].copy()) : Variable.constant(inputs[i].copy());
        }
        Variable out = f.apply(vars);
        double[][] x = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) x[i] = toDouble(inputs[i]);
        double[] expected = ref.apply(x);
        assertEquals(expected.length, out.value().size(), op + ": reference and op disagree on the output size");
        float[] got = out.value().toArray();
        for (int j = 0; j < expected.length; j++) {
            double diff = Math.abs(got[j] - expected[j]);
            if (!(diff <= tol.atol() + tol.rtol() * Math.abs(expected[j]))) {
                fail(op + ": forward element " + j + " is " + got[j] + ", reference " + expected[j]);
            }
        }
        Tensor r = Init.normal(Tensor.zeros(out.value().shape()), new Rng(1234), 0, 1);
        double[] rd = toDouble(r);
        out.backward(r);
        for (int i = 0; i < inputs.length; i++) {
            if (!differentiable[i]) continue;
            Tensor g = vars[i].grad();
            assertNotNull(g, op + ": input " + i + " got no gradient");
            assertEquals(Shape.str(inputs[i].shape()), Shape.str(g.shape()), op + ": gradient shape of input " + i);
            float[] analytic = g.toArray();
            double[] xi = x[i];
            for (int j = 0; j < xi.length; j++) {
                double keep = xi[j];
                double h = 1e-6 * Math.max(1.0, Math.abs(keep));
                xi[j] = keep + h;
                double up = dot(ref.apply(x), rd);
                xi[j] = keep - h;
                double down = dot(ref.apply(x), rd);
                xi[j] = keep;
                double numeric = (up - down) / (2 * h);
                double diff = Math.abs(analytic[j] - numeric);
                if (!(diff <= tol.atol() + tol.rtol() * Math.abs(numeric))) {
                    fail(op + ": d/d(input " + i + ")[" + j + "] is " + analytic[j] + ", finite differences give "
                            + numeric + " (tolerance " + tol + ")");
                }
            }
        }
    }

    public static void check(String op, Function<Variable[], Variable> f, Reference ref, Tensor... inputs) {
        boolean[] all = new boolean[inputs.length];
        java.util.Arrays.fill(all, true);
        check(op, f, ref, inputs, all, DEFAULT);
    }

    public static double[] toDouble(Tensor t) {
        float[] f = t.toArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** A tensor of N(0, 1) values for a test, from a seed. */
    public static Tensor randn(long seed, int... shape) {
        return Init.normal(Tensor.zeros(shape), new Rng(seed), 0, 1);
    }
}
