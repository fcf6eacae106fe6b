package org.moe4j.moe.loss;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * The squared coefficient of variation of a vector v of E values (Shazeer et al. 2017, eq. 6-7,
 * as the reference code computes it): CV^2 = var(v) / (mean(v)^2 + 1e-10) with the unbiased
 * variance, and 0 when E = 1. With m the mean and D = m^2 + 1e-10:
 * <pre>
 *   d CV^2 / d v_e = 2 (v_e - m) / ((E - 1) D) - var * 2 m / (E D^2)
 * </pre>
 */
public final class CvSquared {
    static final double EPSILON = 1e-10;

    private CvSquared() {}

    // v: (E)   out: ()
    public static Variable apply(Variable v) {
        Tensor vv = v.value();
        Shape.requireRank("cv squared", "input", vv.shape(), 1);
        int n = vv.dim(0);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = vv.data()[vv.offset() + i];
        if (n == 1) {
            return Variable.result("cv_squared", Tensor.scalar(0f), dOut -> v.accumulateGrad(Tensor.zeros(1)), v);
        }
        double mean = 0;
        for (double a : x) mean += a;
        mean /= n;
        double var = 0;
        for (double a : x) var += (a - mean) * (a - mean);
        var /= n - 1;
        double denominator = mean * mean + EPSILON;
        double value = var / denominator;
        double m = mean;
        double variance = var;
        return Variable.result("cv_squared", Tensor.scalar((float) value), dOut -> {
            Tensor dv = Tensor.zeros(n);
            double g = dOut.item();
            for (int i = 0; i < n; i++) {
                double d = 2 * (x[i] - m) / ((n - 1) * denominator) - variance * 2 * m / (n * denominator * denominator);
                dv.data()[i] = (float) (g * d);
            }
            v.accumulateGrad(dv);
        }, v);
    }
}
