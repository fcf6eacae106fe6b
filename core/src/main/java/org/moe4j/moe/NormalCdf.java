package org.moe4j.moe;

/**
 * The standard normal distribution in double precision: Phi(z) = (1 + erf(z / sqrt 2)) / 2 and
 * phi(z) = exp(-z^2 / 2) / sqrt(2 pi). erf uses the series of positive terms
 * erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)) (Abramowitz and Stegun
 * 7.1.6), which has no cancellation; beyond |x| = 6, erf is +-1 to double precision.
 */
public final class NormalCdf {
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_TWO_PI = 1.0 / Math.sqrt(2 * Math.PI);

    private NormalCdf() {}

    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double a = Math.abs(x);
        if (a > 6) return Math.signum(x);
        double term = a;
        double sum = a;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum, x);
    }

    public static double cdf(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2)));
    }

    public static double pdf(double z) {
        return INV_SQRT_TWO_PI * Math.exp(-0.5 * z * z);
    }
}
