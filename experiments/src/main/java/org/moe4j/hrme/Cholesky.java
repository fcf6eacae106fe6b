package org.moe4j.hrme;

/**
 * Solves A b = r for a small symmetric positive definite A (the normal equations of a ridge
 * fit, or a Newton step of a logistic fit) by Cholesky factorisation A = L L^T. A matrix that
 * is only semi-definite (a constant feature, a leaf whose rows all weigh nothing) gets a
 * diagonal jitter from 1e-10 * (trace / p + 1) up to 1e-4 times that, enough to make the
 * factorisation succeed and too small to move a well-posed solution.
 */
public final class Cholesky {
    private Cholesky() {}

    // a: (p, p) symmetric, only the lower triangle is read; r: (p); returns b: (p)
    public static double[] solve(double[][] a, double[] r) {
        int p = r.length;
        double trace = 0;
        for (int i = 0; i < p; i++) trace += Math.abs(a[i][i]);
        double jitter = 0;
        // jitter 0, then 1e-10 .. 1e-4 of the mean diagonal: a matrix that needs more is not one to solve
        for (int attempt = 0; attempt < 5; attempt++) {
            double[][] l = factor(a, jitter);
            if (l != null) return substitute(l, r);
            jitter = jitter == 0 ? 1e-10 * (trace / p + 1) : jitter * 100;
        }
        throw new IllegalStateException("Cholesky: a " + p + "x" + p + " system is not positive definite even with jitter "
                + jitter + " (trace " + trace + ")");
    }

    private static double[][] factor(double[][] a, double jitter) {
        int p = a.length;
        double[][] l = new double[p][p];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j] + (i == j ? jitter : 0);
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(s > 0)) return null;
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    private static double[] substitute(double[][] l, double[] r) {
        int p = r.length;
        double[] z = new double[p];
        for (int i = 0; i < p; i++) {
            double s = r[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * z[k];
            z[i] = s / l[i][i];
        }
        double[] b = new double[p];
        for (int i = p - 1; i >= 0; i--) {
            double s = z[i];
            for (int k = i + 1; k < p; k++) s -= l[k][i] * b[k];
            b[i] = s / l[i][i];
        }
        return b;
    }
}
