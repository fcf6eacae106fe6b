package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * Fast activations against the double references: forward within 4e-7 relative plus 1e-7 absolute
 * (a few float ulps), backward within 1e-6 relative plus 1e-6 absolute; the
 * references' derivatives against central differences in double (h = 1e-5, agreement to 1e-8).
 */
class ActivationsTest {
    private static final double FWD_ABS = 1e-7, FWD_REL = 4e-7, BWD_ABS = 1e-6, BWD_REL = 1e-6;

    interface Unary {
        void apply(float[] x, int xOff, float[] y, int yOff, int n);
    }

    interface Backward {
        void apply(float[] saved, int sOff, float[] dy, int dyOff, float[] dx, int dxOff, int n);
    }

    private static void checkUnary(String name, Unary fast, DoubleUnaryOperator ref, double scale) {
        Rng rng = new Rng(name.hashCode());
        for (int n : lengths(rng)) {
            int xOff = rng.nextInt(4), yOff = rng.nextInt(4);
            float[] x = normalAt(rng, xOff, n, scale);
            float[] y = new float[yOff + n], expected = new float[yOff + n];
            fast.apply(x, xOff, y, yOff, n);
            ActivationsReference.map(ref, x, xOff, expected, yOff, n);
            assertClose(expected, yOff, y, yOff, n, FWD_ABS, FWD_REL, name + " n=" + n);
        }
    }

    /** dx from the fast backward, given the saved tensor computed by {@code save} from x. */
    private static void checkBackward(String name, Unary save, Backward fast, DoubleUnaryOperator derivative, double scale) {
        Rng rng = new Rng(name.hashCode() + 1);
        for (int n : lengths(rng)) {
            int off = rng.nextInt(4);
            float[] x = normalAt(rng, off, n, scale);
            float[] dy = normalAt(rng, off, n, 1);
            float[] saved = new float[off + n];
            save.apply(x, off, saved, off, n);
            float[] dx = new float[off + n], expected = new float[off + n];
            fast.apply(saved, off, dy, off, dx, off, n);
            ActivationsReference.mapBackward(derivative, x, off, dy, off, expected, off, n);
            assertClose(expected, off, dx, off, n, BWD_ABS, BWD_REL, name + " backward n=" + n);
        }
    }

    private static final Unary IDENTITY = (x, xOff, y, yOff, n) -> System.arraycopy(x, xOff, y, yOff, n);

    @Test
    void forwardAgreesWithReferences() {
        checkUnary("relu", Activations::relu, ActivationsReference::relu, 3);
        checkUnary("sigmoid", Activations::sigmoid, ActivationsReference::sigmoid, 6);
        checkUnary("silu", Activations::silu, ActivationsReference::silu, 6);
        checkUnary("softplus", Activations::softplus, ActivationsReference::softplus, 15);
        checkUnary("gelu", (x, xo, y, yo, n) -> Gelu.forward(x, xo, y, yo, n, GeluApproximation.NONE), ActivationsReference::gelu, 3);
        checkUnary("geluTanh", (x, xo, y, yo, n) -> Gelu.forward(x, xo, y, yo, n, GeluApproximation.TANH), ActivationsReference::geluTanh, 3);
    }

    @Test
    void backwardAgreesWithReferences() {
        checkBackward("relu from x", IDENTITY, Activations::reluBackward, ActivationsReference::reluDerivative, 3);
        checkBackward("relu from y", Activations::relu, Activations::reluBackward, ActivationsReference::reluDerivative, 3);
        checkBackward("sigmoid", Activations::sigmoid, Activations::sigmoidBackward, ActivationsReference::sigmoidDerivative, 6);
        checkBackward("silu", IDENTITY, Activations::siluBackward, ActivationsReference::siluDerivative, 6);
        checkBackward("softplus", IDENTITY, Activations::softplusBackward, ActivationsReference::softplusDerivative, 15);
        checkBackward("gelu", IDENTITY, (x, xo, dy, dyo, dx, dxo, n) -> Gelu.backward(x, xo, dy, dyo, dx, dxo, n, GeluApproximation.NONE),
                ActivationsReference::geluDerivative, 3);
        checkBackward("geluTanh", IDENTITY, (x, xo, dy, dyo, dx, dxo, n) -> Gelu.backward(x, xo, dy, dyo, dx, dxo, n, GeluApproximation.TANH),
                ActivationsReference::geluTanhDerivative, 3);
    }

    @Test
    void referenceDerivativesMatchCentralDifferences() {
        DoubleUnaryOperator[][] pairs = {
            {ActivationsReference::relu, ActivationsReference::reluDerivative},
            {ActivationsReference::sigmoid, ActivationsReference::sigmoidDerivative},
            {ActivationsReference::silu, ActivationsReference::siluDerivative},
            {ActivationsReference::softplus, ActivationsReference::softplusDerivative},
            {ActivationsReference::gelu, ActivationsReference::geluDerivative},
            {ActivationsReference::geluTanh, ActivationsReference::geluTanhDerivative},
        };
        double h = 1e-5;
        for (int p = 0; p < pairs.length; p++) {
            for (double x = -25; x <= 25; x += 0.0625 + 1.0 / 1024) {
                if (Math.abs(x) < 2 * h || Math.abs(x - Activations.SOFTPLUS_THRESHOLD) < 2 * h) {
                    continue;
                }
                double numeric = centralDifference(pairs[p][0], x, h);
                assertEquals(numeric, pairs[p][1].applyAsDouble(x), 1e-8 * (1 + Math.abs(numeric)), "pair " + p + " at x=" + x);
            }
        }
    }

    @Test
    void swigluAndItsGradientsAgreeWithReferences() {
        Rng rng = new Rng(5);
        for (int n : lengths(rng)) {
            float[] a = normal(rng, n, 3), b = normal(rng, n, 2), g = normal(rng, n, 1);
            float[] out = new float[n], da = new float[n], db = new float[n];
            Activations.swiglu(a, 0, b, 0, out, 0, n);
            Activations.swigluBackward(a, 0, b, 0, g, 0, da, 0, db, 0, n);
            // the experts write da over a and db over b: the same bits
            float[] daInA = a.clone(), dbInB = b.clone();
            Activations.swigluBackward(daInA, 0, dbInB, 0, g, 0, daInA, 0, dbInB, 0, n);
            assertArrayEquals(da, daInA, "da written over a, n=" + n);
            assertArrayEquals(db, dbInB, "db written over b, n=" + n);
            for (int i = 0; i < n; i++) {
                double silu = ActivationsReference.silu(a[i]);
                assertEquals(silu * b[i], out[i], FWD_ABS + FWD_REL * Math.abs(silu * b[i]), "swiglu n=" + n + " i=" + i);
                double expectedDa = g[i] * b[i] * ActivationsReference.siluDerivative(a[i]);
                assertEquals(expectedDa, da[i], BWD_ABS + BWD_REL * Math.abs(expectedDa), "da n=" + n + " i=" + i);
                assertEquals(g[i] * silu, db[i], BWD_ABS + BWD_REL * Math.abs(g[i] * silu), "db n=" + n + " i=" + i);
            }
        }
        // the two input gradients against a central difference of sum(g * silu(a) * b) in double
        double a0 = 0.7, b0 = -1.3, h = 1e-6;
        float[] da = new float[1], db = new float[1];
        Activations.swigluBackward(new float[] {(float) a0}, 0, new float[] {(float) b0}, 0, new float[] {1f}, 0, da, 0, db, 0, 1);
        assertEquals((ActivationsReference.silu(a0 + h) - ActivationsReference.silu(a0 - h)) * b0 / (2 * h), da[0], 1e-6);
        assertEquals(ActivationsReference.silu(a0), db[0], 1e-7);
    }

    private static float apply(Unary f, float x) {
        float[] y = new float[1];
        f.apply(new float[] {x}, 0, y, 0, 1);
        return y[0];
    }

    @Test
    void knownValues() {
        Unary gelu = (x, xo, y, yo, n) -> Gelu.forward(x, xo, y, yo, n, GeluApproximation.NONE);
        Unary geluTanh = (x, xo, y, yo, n) -> Gelu.forward(x, xo, y, yo, n, GeluApproximation.TANH);
        assertEquals(0.8413447f, apply(gelu, 1f), 1e-7f);
        assertEquals(-0.15865525f, apply(gelu, -1f), 1e-7f);
        assertEquals(0.8411920f, apply(geluTanh, 1f), 1e-7f);
        assertEquals((float) Math.log(2), apply(Activations::softplus, 0f), 1e-7f);
        assertEquals(9.357623e-14f, apply(Activations::softplus, -30f), 1e-20f);
        assertEquals(19.900000002f, apply(Activations::softplus, 19.9f), 2e-6f);
        assertEquals(25f, apply(Activations::softplus, 25f));
        assertEquals(0.7310586f, apply(Activations::silu, 1f) , 1e-7f);
        assertEquals(0.5f, apply(Activations::sigmoid, 0f));
        assertEquals(0f, apply(Activations::relu, -2f));
    }

    @Test
    void largeInputsSaturateWithoutNaN() {
        float[] x = {-1e30f, -1000f, -100f, -88.8f, 88.8f, 100f, 1000f, 1e30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        float[] y = new float[x.length];
        Activations.sigmoid(x, 0, y, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertFalse(Float.isNaN(y[i]), "sigmoid(" + x[i] + ")");
            assertEquals(x[i] < 0 ? 0f : 1f, y[i], 1e-30f, "sigmoid(" + x[i] + ")");
        }
        float[] dx = new float[x.length];
        Activations.sigmoidBackward(y, 0, new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, dx, 0, x.length);
        for (float d : dx) {
            assertEquals(0f, d, 1e-30f);
        }
        Activations.softplus(x, 0, y, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertFalse(Float.isNaN(y[i]), "softplus(" + x[i] + ")");
            assertTrue(y[i] >= 0 && (x[i] < 0 || y[i] == x[i]), "softplus(" + x[i] + ") = " + y[i]);
        }
        Gelu.forward(x, 0, y, 0, x.length - 2, GeluApproximation.NONE);
        assertEquals(1e30f, y[7]);
        assertEquals(0f, y[0], 0f);
    }

    @Test
    void badInputIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Gelu.forward(new float[2], 0, new float[2], 0, 2, null));
        assertEquals("gelu: approximation is null, must be NONE or TANH", e.getMessage());
        var r = assertThrows(IndexOutOfBoundsException.class,
                () -> Activations.siluBackward(new float[4], 0, new float[4], 1, new float[4], 0, 4));
        assertEquals("siluBackward: dy needs 4 elements from offset 1, the array has 4 (allowed offsets 0 to 0)", r.getMessage());
    }
}
