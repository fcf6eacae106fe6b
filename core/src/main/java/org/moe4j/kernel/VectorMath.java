package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, log and log1p for float vectors from additions, multiplications, FMAs and bit
 * operations only, so that a result never depends on how far the JIT has got. The Vector API's own
 * lanewise EXP and LOG call SVML once compiled but a per-lane Java fallback before, and the two
 * differ in the last bit, which made training runs differ depending on test order (issue:
 * determinism). Accuracy: within 2 ulp of Math.exp / Math.log over the float range (tested).
 *
 * <p>exp: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite, ln2 split in two), e^r by its degree-7
 * Taylor polynomial (truncation below 6e-9 relative), times 2^k built from exponent bits in two
 * halves so that results near the overflow and subnormal limits are right. log: x = m 2^e with m in
 * [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f), log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2)))
 * with R the series 2/3 z + 2/5 z^2 + ... + 2/11 z^5 (fdlibm's arrangement, Taylor coefficients).
 */
public final class VectorMath {
    private VectorMath() {}

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.42860682030941723212e-6f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float EXP_MAX = 88.7228394f;
    private static final float EXP_MIN = -103.972084f;

    private static FloatVector c(FloatVector like, float value) {
        return FloatVector.broadcast(like.species(), value);
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_MIN - 1f).min(EXP_MAX + 1f);
        FloatVector t = clamped.fma(LOG2E, ROUND);
        FloatVector k = t.sub(ROUND);
        IntVector ki = t.reinterpretAsInts().sub(0x4B400000);
        FloatVector r = k.fma(c(k, -LN2_HI), clamped);
        r = k.fma(c(k, -LN2_LO), r);
        FloatVector p = r.fma(1f / 5040f, 1f / 720f);
        p = p.fma(r, c(r, 1f / 120f));
        p = p.fma(r, c(r, 1f / 24f));
        p = p.fma(r, c(r, 1f / 6f));
        p = p.fma(r, c(r, 0.5f));
        p = p.fma(r, c(r, 1f));
        p = p.fma(r, c(r, 1f));
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(s1).mul(s2);
        y = y.blend(0f, x.compare(VectorOperators.LT, EXP_MIN));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    public static FloatVector log(FloatVector x) {
        VectorMask<Float> subnormal = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector scaled = x.blend(x.mul(8388608f), subnormal); // 2^23
        IntVector bits = scaled.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(127);
        // mantissa in [1, 2), then moved to [sqrt(1/2), sqrt(2)) with the exponent adjusted
        FloatVector m = bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
        VectorMask<Float> high = m.compare(VectorOperators.GT, 1.41421356f);
        m = m.blend(m.mul(0.5f), high);
        FloatVector ef = e.convert(VectorOperators.I2F, 0).reinterpretAsFloats()
                .add(FloatVector.zero(m.species()).blend(1f, high))
                .sub(FloatVector.zero(m.species()).blend(23f, subnormal));
        FloatVector f = m.sub(1f);
        FloatVector s = f.div(f.add(2f));
        FloatVector z = s.mul(s);
        FloatVector r = z.fma(2f / 11f, 2f / 9f);
        r = r.fma(z, c(z, 2f / 7f));
        r = r.fma(z, c(z, 2f / 5f));
        r = r.fma(z, c(z, 2f / 3f));
        r = r.mul(z);
        FloatVector hfsq = f.mul(f).mul(0.5f);
        // log(1 + f) = f - (hfsq - s (hfsq + R)), with the small terms gathered before f (fdlibm's order)
        FloatVector small = s.fma(hfsq.add(r), ef.mul(LN2_LO));
        FloatVector y = ef.fma(c(ef, LN2_HI), f.sub(hfsq.sub(small)));
        y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
        y = y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
        y = y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
        return y.blend(x, x.test(VectorOperators.IS_NAN));
    }

    /**
     * log(1 + u) accurate for small u: with w = 1 + u rounded, the rounding error u - (w - 1) is
     * added back to first order, log1p(u) = log(w) + (u - (w - 1)) / w.
     */
    public static FloatVector log1p(FloatVector u) {
        FloatVector w = u.add(1f);
        FloatVector correction = u.sub(w.sub(1f)).div(w);
        FloatVector y = log(w).add(correction);
        return y.blend(w, w.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
    }

    /**
     * The sum of a vector's lanes in one fixed order, lane 0 first. FloatVector.reduceLanes(ADD) may
     * order the sum differently once compiled than when interpreted, so a result would depend on how
     * far the JIT had got (seen as training runs that were not bit-identical from one test order to
     * the next); this order is the same in both.
     */
    public static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0, n = v.length(); i < n; i++) {
            s += v.lane(i);
        }
        return s;
    }
}
