package org.moe4j.moe.loss;

import org.moe4j.kernel.ErfReference;

/**
 * The standard normal distribution in double precision: Phi(z) = (1 + erf(z / sqrt 2)) / 2 and
 * phi(z) = exp(-z^2 / 2) / sqrt(2 pi), with the double-precision erf of {@link ErfReference}.
 */
public final class NormalCdf {
    private static final double INV_SQRT_TWO_PI = 1.0 / Math.sqrt(2 * Math.PI);

    private NormalCdf() {}

    public static double erf(double x) {
        return ErfReference.erf(x);
    }

    public static double cdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    public static double pdf(double z) {
        return INV_SQRT_TWO_PI * Math.exp(-0.5 * z * z);
    }
}
