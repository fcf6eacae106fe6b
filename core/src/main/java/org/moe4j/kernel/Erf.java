package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The error function erf(x) = 2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt in float, as a
 * scalar and as a vector kernel that compute the same formula. Odd symmetry reduces to a = |x|:
 * <ul>
 *   <li>a < 1: erf(a) = a + a * R(a^2), R a degree-6 polynomial for erf(a)/a - 1 (adding the
 *       leading 1 exactly keeps the rounding error of R out of the result);</li>
 *   <li>1 <= a < 4: erf(a) = 1 - exp(-a^2) * Q(a - 2.5), Q a degree-11 polynomial for the scaled
 *       complementary function erfc(a) * exp(a^2); exp(-a^2) is taken of the rounded square and
 *       corrected by the square's rounding error (exp(-hi - lo) ~ exp(-hi) * (1 - lo));</li>
 *   <li>a >= 4: erf(a) = 1, since erfc(4) = 1.5e-8 is below half a float ulp of 1.</li>
 * </ul>
 * The coefficients were fitted by this project (tools/fit_erf_coefficients.py): weighted least
 * squares on Chebyshev nodes with Lawson reweighting towards the minimax error, against mpmath at
 * 30 digits. Accuracy, measured against {@link ErfReference} by ErfTest over [-4.5, 4.5] and tiny
 * arguments: relative error below 1.5e-7 (about 1.1 ulp of the result in the emulation of the fit,
 * a little more where the vector exp is used). NaN gives NaN; erf(+-inf) = +-1.
 */
public final class Erf {
    private Erf() {}

    /** erf(a)/a - 1 on a^2 in [0, 1), coefficients of a^0, a^2, a^4, ... */
    private static final float[] SMALL = {
        0.12837917f, -0.37612626f, 0.112836f, -0.026854444f, 0.005189535f, -0.00080208416f, 7.889121e-05f,
    };

    /** erfc(a) * exp(a^2) on a in [1, 4), coefficients of (a - 2.5)^0, (a - 2.5)^1, ... */
    private static final float[] LARGE = {
        0.21080635f, -0.074347354f, 0.024938187f, -0.008001541f, 0.002466045f, -0.00073354034f,
        0.0002128929f, -5.912394e-05f, 1.4394319e-05f, -3.92671e-06f, 1.6645128e-06f, -3.9721007e-07f,
    };

    private static final float LARGE_CENTRE = 2.5f;

    /** erf(x) in float. */
    public static float erf(float x) {
        float a = Math.abs(x);
        float r;
        if (a < 1f) {
            float s = a * a;
            float p = SMALL[SMALL.length - 1];
            for (int i = SMALL.length - 2; i >= 0; i--) {
                p = Math.fma(p, s, SMALL[i]);
            }
            r = Math.fma(a, p, a);
        } else if (a >= 4f) {
            r = 1f;
        } else {
            float u = a - LARGE_CENTRE;
            float q = LARGE[LARGE.length - 1];
            for (int i = LARGE.length - 2; i >= 0; i--) {
                q = Math.fma(q, u, LARGE[i]);
            }
            float hi = a * a;
            float lo = Math.fma(a, a, -hi);
            float e = (float) Math.exp(-hi);
            e = Math.fma(-e, lo, e);
            r = Math.fma(-e, q, 1f);
        }
        return Math.copySign(r, x);
    }

    /** erf of every lane, by the same formula as {@link #erf(float)}. */
    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector s = a.mul(a);
        FloatVector p = FloatVector.broadcast(x.species(), SMALL[SMALL.length - 1]);
        for (int i = SMALL.length - 2; i >= 0; i--) {
            p = p.fma(s, FloatVector.broadcast(x.species(), SMALL[i]));
        }
        FloatVector small = a.fma(p, a);

        FloatVector u = a.sub(LARGE_CENTRE);
        FloatVector q = FloatVector.broadcast(x.species(), LARGE[LARGE.length - 1]);
        for (int i = LARGE.length - 2; i >= 0; i--) {
            q = q.fma(u, FloatVector.broadcast(x.species(), LARGE[i]));
        }
        FloatVector lo = a.fma(a, s.neg());
        FloatVector e = s.neg().lanewise(VectorOperators.EXP);
        e = e.neg().fma(lo, e);
        FloatVector one = FloatVector.broadcast(x.species(), 1f);
        FloatVector large = e.neg().fma(q, one);

        // NaN fails both comparisons and keeps the large branch's NaN
        FloatVector r = large.blend(small, a.compare(VectorOperators.LT, 1f));
        r = r.blend(one, a.compare(VectorOperators.GE, 4f));
        VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
        return r.blend(r.neg(), negative);
    }
}
