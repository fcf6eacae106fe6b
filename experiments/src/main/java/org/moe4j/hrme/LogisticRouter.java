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

    /** J at {@code c} (see the class comment). */
    static double objective(double[] c, double[][] z, double[] t, double[] w, double l2) {
        return evaluate(c, z, t, w, l2, null, null);
    }

    /**
     * J at {@code c}, and, when {@code g} and {@code h} are given, its gradient and negative Hessian
     * (lower triangle) in the same pass over the rows. With sp = log(1 + e^-u):
     * log p = -sp, log(1 - p) = -u - sp, p = e^-sp.
     */
    static double evaluate(double[] c, double[][] z, double[] t, double[] w, double l2, double[] g, double[][] h) {
        int p = c.length;
        double j = 0;
        for (int i = 0; i < z.length; i++) {
            double wi = w[i];
            if (wi == 0) continue;
            double[] zi = z[i];
            double u = logit(c, zi);
            double sp = u > 0 ? log1pSmall(Math.exp(-u)) : -u + log1pSmall(Math.exp(u));
            j += wi * (t[i] * -sp + (1 - t[i]) * (-u - sp));
            if (g == null) continue;
            double pi = Math.exp(-sp);
            double r = wi * (t[i] - pi);
            // a floor on p(1 - p) keeps the Hessian invertible once the classes separate
            double q = wi * Math.max(pi * (1 - pi), 1e-10);
            g[0] += r;
            h[0][0] += q;
            for (int a = 1; a < p; a++) {
                double ua = zi[a - 1];
                g[a] += r * ua;
                double qa = q * ua;
                double[] ha = h[a];
                ha[0] += qa;
                for (int b = 1; b <= a; b++) ha[b] += qa * zi[b - 1];
            }
        }
        double pen = 0;
        for (int k = 1; k < p; k++) pen += c[k] * c[k];
        if (g != null) {
            for (int k = 1; k < p; k++) {
                g[k] -= l2 * c[k];
                h[k][k] += l2;
            }
        }
        return j - 0.5 * l2 * pen;
    }

    /**
     * log(1 + e) for e in [0, 1]: Math.log is a fast intrinsic while Math.log1p is not, and the
     * absolute error of log(1 + e), under 1e-16, is all a sum of log-likelihoods can see.
     */
    static double log1pSmall(double e) {
        return e < 1e-12 ? e : Math.log(1 + e);
    }

    @Override
    public void fit(double[][] z, double[] target, double[] w) {
        int p = coef.length;
        double sw = 0;
        for (double v : w) sw += v;
        if (!(sw > 0)) return;
        double[] g = new double[p];
        double[][] h = new double[p][p];
        double current = evaluate(coef, z, target, w, l2, g, h);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            double[] step = Cholesky.solve(h, g);
            // the trial point's pass also yields its gradient and Hessian, ready for the next step
            double[] ng = new double[p];
            double[][] nh = new double[p][p];
            double[] next = new double[p];
            double value = Double.NEGATIVE_INFINITY;
            for (double scale = 1; scale > 1e-9; scale *= 0.5) {
                for (int j = 0; j < p; j++) next[j] = coef[j] + scale * step[j];
                java.util.Arrays.fill(ng, 0);
                for (double[] row : nh) java.util.Arrays.fill(row, 0);
                value = evaluate(next, z, target, w, l2, ng, nh);
                if (value >= current) break;
            }
            if (!(value >= current)) break;
            double gain = value - current;
            coef = next;
            current = value;
            g = ng;
            h = nh;
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
