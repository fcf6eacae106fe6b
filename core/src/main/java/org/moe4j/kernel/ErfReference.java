package org.moe4j.kernel;

/**
 * The error function in double, slow and accurate (relative error around 1e-15), the reference
 * for {@link Erf} and for the double-precision GELU references. It sums the series
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1 * 3 * ... * (2n+1))
 * (Abramowitz and Stegun 7.1.6), whose terms are all positive, so nothing cancels; beyond
 * |x| = 6, erfc(x) < 2.2e-17 and erf(x) is +-1 in double.
 */
public final class ErfReference {
    private ErfReference() {}

    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        double a = Math.abs(x);
        if (a >= 6) {
            return Math.copySign(1.0, x);
        }
        double term = a;
        double sum = a;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum, x);
    }
}
