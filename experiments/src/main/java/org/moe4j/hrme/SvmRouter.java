package org.moe4j.hrme;

import java.util.Arrays;
import org.moe4j.tensor.Rng;

/**
 * A router that is a kernel support vector machine with probability outputs, as the HRME paper's
 * code uses: a C-SVC with the RBF kernel k(a, b) = exp(-gamma |a - b|^2) (gamma = 1 / d on the
 * standardised inputs), trained by SMO on the dual
 * <pre>  min_a 1/2 a^T Q a - sum_i a_i,  Q_ij = y_i y_j k(z_i, z_j),  sum_i y_i a_i = 0,  0 <= a_i <= C w_i  </pre>
 * with the second-order working-set selection of Fan, Chen and Lin (JMLR 2005), and Platt scaling
 * P(left | z) = 1 / (1 + exp(A f(z) + B)) of the decision value f(z) = sum_i a_i y_i k(z_i, z) - rho
 * (Platt 1999, with the regularised targets and Newton steps of Lin, Lin and Weng 2007), fitted on
 * the training rows' decision values.
 * <p>
 * Soft targets (an EM M-step) become labels y_i = [t_i >= 1/2] (+1 = left) with weights
 * w_i |2 t_i - 1|, the confidence of the label. The dual needs the n x n kernel matrix, so a fit
 * uses at most {@link #MAX_ROWS} of its weighted rows (a seeded random subset beyond that).
 */
public final class SvmRouter implements RoutingClassifier {
    static final int MAX_ROWS = 2000;
    private static final double EPS = 1e-3, TAU = 1e-12;

    private final int features;
    private final double c;
    private final long seed;
    private int fits;
    // the fitted machine: support vectors (m, d), their coefficients a_i y_i (m), rho, Platt's A and B
    private double[][] supportVectors = new double[0][];
    private double[] coefficients = new double[0];
    private double rho, plattA = -1, plattB;

    SvmRouter(int features, double c, long seed) {
        this.features = features;
        this.c = c;
        this.seed = seed;
    }

    @Override
    public Kind kind() {
        return Kind.SVM;
    }

    private double gamma() {
        return 1.0 / features;
    }

    static double kernel(double[] a, double[] b, double gamma) {
        double s = 0;
        for (int j = 0; j < a.length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
        return Math.exp(-gamma * s);
    }

    double decision(double[] z) {
        double f = -rho;
        for (int i = 0; i < coefficients.length; i++) f += coefficients[i] * kernel(supportVectors[i], z, gamma());
        return f;
    }

    @Override
    public double probabilityLeft(double[] z) {
        return LogisticRouter.sigmoid(-(plattA * decision(z) + plattB));
    }

    @Override
    public void fit(double[][] z, double[] target, double[] w) {
        int[] rows = activeRows(w, target);
        int n = rows.length;
        if (n < 2) return;
        double[][] x = new double[n][];
        double[] y = new double[n], upper = new double[n];
        for (int k = 0; k < n; k++) {
            int i = rows[k];
            x[k] = z[i];
            y[k] = target[i] >= 0.5 ? 1 : -1;
            upper[k] = c * w[i] * Math.abs(2 * target[i] - 1);
        }
        boolean both = false;
        for (int k = 1; k < n; k++) both |= y[k] != y[0];
        double[] alpha = new double[n];
        double[][] kMatrix = new double[n][n];
        for (int a = 0; a < n; a++) {
            kMatrix[a][a] = 1;
            for (int b = 0; b < a; b++) kMatrix[a][b] = kMatrix[b][a] = kernel(x[a], x[b], gamma());
        }
        if (both) rho = smo(kMatrix, y, upper, alpha);
        else rho = -y[0]; // one class only: f = +-1 everywhere
        int m = 0;
        for (double v : alpha) if (v > 0) m++;
        supportVectors = new double[m][];
        coefficients = new double[m];
        m = 0;
        for (int k = 0; k < n; k++) {
            if (alpha[k] > 0) {
                supportVectors[m] = x[k].clone();
                coefficients[m++] = alpha[k] * y[k];
            }
        }
        double[] f = new double[n], weight = new double[n];
        for (int k = 0; k < n; k++) {
            double s = -rho;
            for (int i = 0; i < n; i++) if (alpha[i] > 0) s += alpha[i] * y[i] * kMatrix[i][k];
            f[k] = s;
            weight[k] = upper[k] / c;
        }
        platt(f, y, weight);
    }

    /** The rows with positive weight and a label that is not a coin toss, subsampled to MAX_ROWS. */
    private int[] activeRows(double[] w, double[] target) {
        int count = 0;
        int[] all = new int[w.length];
        for (int i = 0; i < w.length; i++) if (w[i] * Math.abs(2 * target[i] - 1) > 1e-8) all[count++] = i;
        int[] rows = Arrays.copyOf(all, count);
        if (count <= MAX_ROWS) return rows;
        Rng rng = new Rng(seed + 7_777L * ++fits);
        for (int i = 0; i < MAX_ROWS; i++) {
            int j = i + rng.nextInt(count - i);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        int[] chosen = Arrays.copyOf(rows, MAX_ROWS);
        Arrays.sort(chosen);
        return chosen;
    }

    /** SMO with second-order working-set selection; fills alpha and returns rho. */
    private static double smo(double[][] k, double[] y, double[] upper, double[] alpha) {
        int n = y.length;
        double[] g = new double[n];
        Arrays.fill(g, -1);
        int maxIterations = Math.max(10_000_000, 100 * n);
        for (int iter = 0; iter < maxIterations; iter++) {
            // i: the most violating index of I_up; gMax = max over I_up of -y_t G_t
            int i = -1;
            double gMax = Double.NEGATIVE_INFINITY, gMin = Double.POSITIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                if (inUp(y[t], alpha[t], upper[t]) && -y[t] * g[t] >= gMax) {
                    gMax = -y[t] * g[t];
                    i = t;
                }
            }
            int j = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int t = 0; t < n; t++) {
                if (!inLow(y[t], alpha[t], upper[t])) continue;
                double v = -y[t] * g[t];
                gMin = Math.min(gMin, v);
                if (i >= 0 && v < gMax) {
                    double b = gMax - v;
                    double a = k[i][i] + k[t][t] - 2 * k[i][t];
                    double score = -b * b / (a > 0 ? a : TAU);
                    if (score <= best) {
                        best = score;
                        j = t;
                    }
                }
            }
            if (i < 0 || j < 0 || gMax - gMin < EPS) break;
            double oldI = alpha[i], oldJ = alpha[j];
            double qij = y[i] * y[j] * k[i][j];
            if (y[i] != y[j]) {
                double quad = Math.max(k[i][i] + k[j][j] + 2 * qij, TAU);
                double delta = (-g[i] - g[j]) / quad, diff = alpha[i] - alpha[j];
                alpha[i] += delta;
                alpha[j] += delta;
                if (diff > 0) {
                    if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = diff; }
                } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = -diff; }
                if (diff > upper[i] - upper[j]) {
                    if (alpha[i] > upper[i]) { alpha[i] = upper[i]; alpha[j] = upper[i] - diff; }
                } else if (alpha[j] > upper[j]) { alpha[j] = upper[j]; alpha[i] = upper[j] + diff; }
            } else {
                double quad = Math.max(k[i][i] + k[j][j] - 2 * qij, TAU);
                double delta = (g[i] - g[j]) / quad, sum = alpha[i] + alpha[j];
                alpha[i] -= delta;
                alpha[j] += delta;
                if (sum > upper[i]) {
                    if (alpha[i] > upper[i]) { alpha[i] = upper[i]; alpha[j] = sum - upper[i]; }
                } else if (alpha[j] < 0) { alpha[j] = 0; alpha[i] = sum; }
                if (sum > upper[j]) {
                    if (alpha[j] > upper[j]) { alpha[j] = upper[j]; alpha[i] = sum - upper[j]; }
                } else if (alpha[i] < 0) { alpha[i] = 0; alpha[j] = sum; }
            }
            double di = alpha[i] - oldI, dj = alpha[j] - oldJ;
            // G_t += Q_ti da_i + Q_tj da_j
            for (int t = 0; t < n; t++) g[t] += y[t] * (y[i] * k[t][i] * di + y[j] * k[t][j] * dj);
        }
        // rho: the mean of y_t G_t over free variables, else the middle of the feasible interval
        double sum = 0, ub = Double.POSITIVE_INFINITY, lb = Double.NEGATIVE_INFINITY;
        int free = 0;
        for (int t = 0; t < n; t++) {
            double yg = y[t] * g[t];
            if (alpha[t] > 0 && alpha[t] < upper[t]) {
                sum += yg;
                free++;
            } else if ((alpha[t] <= 0 && y[t] < 0) || (alpha[t] >= upper[t] && y[t] > 0)) {
                lb = Math.max(lb, yg);
            } else {
                ub = Math.min(ub, yg);
            }
        }
        return free > 0 ? sum / free : (Double.isFinite(ub) && Double.isFinite(lb) ? (ub + lb) / 2 : 0);
    }

    private static boolean inUp(double y, double a, double upper) {
        return (y > 0 && a < upper) || (y < 0 && a > 0);
    }

    private static boolean inLow(double y, double a, double upper) {
        return (y < 0 && a < upper) || (y > 0 && a > 0);
    }

    /**
     * Platt scaling: minimise the weighted cross-entropy of P = 1 / (1 + exp(A f + B)) against the
     * regularised targets (N+ + 1) / (N+ + 2) for y = +1 and 1 / (N- + 2) for y = -1, by Newton's
     * method with backtracking (a 2 x 2 system; the objective is convex in A and B).
     */
    private void platt(double[] f, double[] y, double[] w) {
        double pos = 0, neg = 0;
        for (int k = 0; k < y.length; k++) {
            if (y[k] > 0) pos += w[k];
            else neg += w[k];
        }
        double hi = (pos + 1) / (pos + 2), lo = 1 / (neg + 2);
        double[] t = new double[y.length];
        for (int k = 0; k < y.length; k++) t[k] = y[k] > 0 ? hi : lo;
        double a = 0, b = Math.log((neg + 1) / (pos + 1));
        double value = plattObjective(f, t, w, a, b);
        for (int it = 0; it < 100; it++) {
            double h11 = 1e-12, h22 = 1e-12, h21 = 0, g1 = 0, g2 = 0;
            for (int k = 0; k < f.length; k++) {
                double p = LogisticRouter.sigmoid(-(a * f[k] + b)), d1 = w[k] * (t[k] - p), d2 = w[k] * p * (1 - p);
                h11 += f[k] * f[k] * d2;
                h22 += d2;
                h21 += f[k] * d2;
                g1 += f[k] * d1;
                g2 += d1;
            }
            if (Math.abs(g1) < 1e-7 && Math.abs(g2) < 1e-7) break;
            double det = h11 * h22 - h21 * h21;
            double dA = -(h22 * g1 - h21 * g2) / det, dB = -(-h21 * g1 + h11 * g2) / det;
            double step = 1;
            boolean moved = false;
            while (step >= 1e-10) {
                double na = a + step * dA, nb = b + step * dB, nv = plattObjective(f, t, w, na, nb);
                if (nv < value + 1e-4 * step * (g1 * dA + g2 * dB)) {
                    a = na;
                    b = nb;
                    value = nv;
                    moved = true;
                    break;
                }
                step /= 2;
            }
            if (!moved) break;
        }
        plattA = a;
        plattB = b;
    }

    private static double plattObjective(double[] f, double[] t, double[] w, double a, double b) {
        double s = 0;
        for (int k = 0; k < f.length; k++) {
            double u = a * f[k] + b;
            // -[t log p + (1 - t) log(1 - p)] with p = 1 / (1 + e^u), computed without overflow
            s += w[k] * (u >= 0 ? t[k] * u + Math.log1p(Math.exp(-u)) : (t[k] - 1) * u + Math.log1p(Math.exp(u)));
        }
        return s;
    }

    /** [m, rho, A, B, coefficients (m), support vectors (m x d)]. */
    @Override
    public double[] parameters() {
        int m = coefficients.length;
        double[] p = new double[4 + m + m * features];
        p[0] = m;
        p[1] = rho;
        p[2] = plattA;
        p[3] = plattB;
        System.arraycopy(coefficients, 0, p, 4, m);
        for (int i = 0; i < m; i++) System.arraycopy(supportVectors[i], 0, p, 4 + m + i * features, features);
        return p;
    }

    @Override
    public void load(double[] p) {
        int m = p.length >= 1 && p[0] == Math.rint(p[0]) && p[0] >= 0 && p[0] <= Integer.MAX_VALUE ? (int) p[0] : -1;
        if (m < 0 || p.length != 4 + m + (long) m * features) {
            throw new IllegalArgumentException("SVM router: " + p.length + " parameters do not hold [m, rho, A, B, m coefficients,"
                    + " m x " + features + " support vectors] (m read as " + (p.length >= 1 ? p[0] : "nothing") + ")");
        }
        rho = p[1];
        plattA = p[2];
        plattB = p[3];
        coefficients = Arrays.copyOfRange(p, 4, 4 + m);
        supportVectors = new double[m][];
        for (int i = 0; i < m; i++) supportVectors[i] = Arrays.copyOfRange(p, 4 + m + i * features, 4 + m + (i + 1) * features);
    }

    @Override
    public RoutingClassifier copy() {
        SvmRouter s = new SvmRouter(features, c, seed);
        s.load(parameters());
        s.fits = fits;
        return s;
    }
}
