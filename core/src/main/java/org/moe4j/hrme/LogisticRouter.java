package org.moe4j.hrme;

/**
 * Weighted L2-regularised logistic regression with soft targets, p(z) = s(b + a . z), fitted by
 * Newton's method (iteratively reweighted least squares). It maximises
 * <pre>  J(b, a) = sum_i w_i [t_i log p_i + (1 - t_i) log(1 - p_i)] - lambda/2 |a|^2  </pre>
 * whose gradient is sum_i w_i (t_i - p_i) u_i - lambda a and whose negative Hessian is
 * sum_i w_i p_i (1 - p_i) u_i u_i^T + lambda I (u_i = [1, z_i]; the intercept is not penalised).
 * J is concave, so Newton steps with step halving converge; a fit starts from the current
 * coefficients, so neighbouring thresholds and successive EM steps take few iterations.
 */
public final class LogisticRouter implements RoutingClassifier {
    private static final int MAX_ITERATIONS = 30;
    /** Newton stops once a step gains less than this many nats per unit of row weight. */
    private static final double TOLERANCE = 1e-7;

    private final double l2;
    private double[] coef; // (d + 1): b, a_1 .. a_d

    LogisticRouter(int features, double l2) {
        this.l2 = l2;
        this.coef = new double[features + 1];
    }

    @Override
    public Kind kind() {
        return Kind.LOGISTIC;
    }

    @Override
    public double probabilityLeft(double[] z) {
        return sigmoid(logit(coef, z));
    }

    static double logit(double[] coef, double[] z) {
        double s = coef[0];
        for (int j = 0; j < z.length; j++) s += coef[j + 1] * z[j];
        return s;
    }

    static double sigmoid(double u) {
        return u >= 0 ? 1 / (1 + Math.exp(-u)) : Math.exp(u) / (1 + Math.exp(u));
    }

    /** J at {@code c} (see the class comment); log p computed stably from the logit. */
    static double objective(double[] c, double[][] z, double[] t, double[] w, double l2) {
        double j = 0;
        for (int i = 0; i < z.length; i++) {
            if (w[i] == 0) continue;
            double u = logit(c, z[i]);
            // log s(u) = -log(1 + e^-u), log(1 - s(u)) = -log(1 + e^u)
            double logP = -softplus(-u), logQ = -softplus(u);
            j += w[i] * (t[i] * logP + (1 - t[i]) * logQ);
        }
        double pen = 0;
        for (int k = 1; k < c.length; k++) pen += c[k] * c[k];
        return j - 0.5 * l2 * pen;
    }

    private static double softplus(double u) {
        return u > 0 ? u + Math.log1p(Math.exp(-u)) : Math.log1p(Math.exp(u));
    }

    @Override
    public void fit(double[][] z, double[] target, double[] w) {
        int p = coef.length;
        double sw = 0;
        for (double v : w) sw += v;
        if (!(sw > 0)) return;
        double current = objective(coef, z, target, w, l2);
        double[] u = new double[p];
        u[0] = 1;
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[][] h = new double[p][p];
            double[] g = new double[p];
            for (int i = 0; i < z.length; i++) {
                double wi = w[i];
                if (wi == 0) continue;
                System.arraycopy(z[i], 0, u, 1, p - 1);
                double pi = sigmoid(logit(coef, z[i]));
                double r = wi * (target[i] - pi);
                // a floor on p(1 - p) keeps the Hessian invertible once the classes separate
                double c = wi * Math.max(pi * (1 - pi), 1e-10);
                for (int j = 0; j < p; j++) {
                    g[j] += r * u[j];
                    double cu = c * u[j];
                    double[] hj = h[j];
                    for (int k = 0; k <= j; k++) hj[k] += cu * u[k];
                }
            }
            for (int j = 1; j < p; j++) {
                g[j] -= l2 * coef[j];
                h[j][j] += l2;
            }
            double[] step = Cholesky.solve(h, g);
            double scale = 1;
            double[] next = new double[p];
            double value = Double.NEGATIVE_INFINITY;
            for (int halving = 0; halving < 30; halving++) {
                for (int j = 0; j < p; j++) next[j] = coef[j] + scale * step[j];
                value = objective(next, z, target, w, l2);
                if (value >= current) break;
                scale *= 0.5;
            }
            if (!(value >= current)) break;
            coef = next;
            double gain = value - current;
            current = value;
            if (gain <= TOLERANCE * sw) break;
        }
    }

    @Override
    public double[] parameters() {
        return coef.clone();
    }

    @Override
    public void load(double[] parameters) {
        if (parameters.length != coef.length) {
            throw new IllegalArgumentException("logistic router: " + parameters.length + " parameters, expected "
                    + coef.length + " (intercept + " + (coef.length - 1) + " features)");
        }
        coef = parameters.clone();
    }

    @Override
    public RoutingClassifier copy() {
        LogisticRouter c = new LogisticRouter(coef.length - 1, l2);
        c.coef = coef.clone();
        return c;
    }
}
