package org.moe4j.hrme;

import java.util.Arrays;

/**
 * f(z) = b + a . z by weighted ridge regression: minimise sum_i w_i (y_i - b - a . z_i)^2 + lambda |a|^2
 * (the intercept is not penalised). Solved exactly from the normal equations
 * [sum w, sum w z^T; sum w z, sum w z z^T + lambda I] [b; a] = [sum w y; sum w z y].
 */
public final class LinearLeaf implements LeafRegressor {
    private final double ridge;
    private double[] coef; // (d + 1): b, a_1 .. a_d

    LinearLeaf(int features, double ridge) {
        this.ridge = ridge;
        this.coef = new double[features + 1];
    }

    @Override
    public Kind kind() {
        return Kind.LINEAR;
    }

    @Override
    public double predict(double[] z) {
        double s = coef[0];
        for (int j = 0; j < z.length; j++) s += coef[j + 1] * z[j];
        return s;
    }

    @Override
    public void fit(double[][] z, double[] y, double[] w) {
        coef = solve(z, y, w, ridge);
    }

    /** The weighted ridge solution [b, a] (see the class comment). */
    static double[] solve(double[][] z, double[] y, double[] w, double ridge) {
        int p = z[0].length + 1;
        double[][] a = new double[p][p];
        double[] r = new double[p];
        double[] u = new double[p];
        u[0] = 1;
        for (int i = 0; i < z.length; i++) {
            double wi = w[i];
            if (wi == 0) continue;
            System.arraycopy(z[i], 0, u, 1, p - 1);
            for (int j = 0; j < p; j++) {
                double wu = wi * u[j];
                r[j] += wu * y[i];
                double[] aj = a[j];
                for (int k = 0; k <= j; k++) aj[k] += wu * u[k];
            }
        }
        for (int j = 1; j < p; j++) a[j][j] += ridge;
        return Cholesky.solve(a, r);
    }

    @Override
    public double[] parameters() {
        return coef.clone();
    }

    @Override
    public void load(double[] parameters) {
        if (parameters.length != coef.length) {
            throw new IllegalArgumentException("linear leaf: " + parameters.length + " parameters, expected " + coef.length
                    + " (intercept + " + (coef.length - 1) + " features)");
        }
        coef = parameters.clone();
    }

    @Override
    public LeafRegressor copy() {
        LinearLeaf c = new LinearLeaf(coef.length - 1, ridge);
        c.coef = coef.clone();
        return c;
    }

    @Override
    public String toString() {
        return "linear " + Arrays.toString(coef);
    }
}
