package org.moe4j.experiment;

import org.moe4j.hrme.Cholesky;
import org.moe4j.hrme.RegressionData;
import org.moe4j.hrme.Standardizer;
import org.moe4j.tensor.Rng;

/**
 * The classic mixture of experts (Jacobs, Jordan, Nowlan and Hinton 1991) with linear experts
 * and a softmax gate, trained by EM (Jordan and Jacobs 1994):
 * <pre>  p(y | x) = sum_k g_k(x) N(y; b_k + a_k . x, s_k^2),   g(x) = softmax(c + V x)  </pre>
 * E-step: h_ik = g_k(x_i) N(y_i; f_k(x_i), s_k^2) / sum_m (...). M-step: each expert by least
 * squares weighted by h_ik, s_k^2 the weighted mean squared residual; the gate by gradient ascent
 * with backtracking on sum_i sum_k h_ik log g_k(x_i) (a soft-label softmax regression, concave),
 * a fixed number of steps per EM iteration (a generalised EM step). Prediction is the gated mean
 * sum_k g_k(x) f_k(x). The experts start from random responsibilities; of a few restarts the
 * one with the highest training log-likelihood is kept. The gate sees only x, so the experts can
 * split the data only where x tells them apart.
 */
final class MixtureOfLinearExperts implements RegressionBaselines.Regressor {
    private static final int GATE_STEPS = 20;

    private final int experts;
    private final Standardizer standardizer;
    private double[][] expert; // (K, d + 1)
    private double[][] gate;   // (K, d + 1)
    private double[] variance; // (K)

    private MixtureOfLinearExperts(int experts, Standardizer standardizer, int p) {
        this.experts = experts;
        this.standardizer = standardizer;
        this.expert = new double[experts][p];
        this.gate = new double[experts][p];
        this.variance = new double[experts];
    }

    static MixtureOfLinearExperts fit(RegressionData train, int experts, int iterations, int restarts, long seed) {
        Standardizer s = Standardizer.fit(train.x());
        double[][] z = s.apply(train.x());
        MixtureOfLinearExperts best = null;
        double bestLl = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < restarts; r++) {
            MixtureOfLinearExperts m = new MixtureOfLinearExperts(experts, s, z[0].length + 1);
            double ll = m.em(z, train.y(), iterations, new Rng(seed + 31L * r));
            if (ll > bestLl) {
                bestLl = ll;
                best = m;
            }
        }
        return best;
    }

    private double em(double[][] z, double[] y, int iterations, Rng rng) {
        int n = y.length;
        double var0 = 0, mean = 0;
        for (double v : y) mean += v;
        mean /= n;
        for (double v : y) var0 += (v - mean) * (v - mean);
        double floor = 1e-6 * var0 / n;
        double[][] h = new double[n][experts];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int k = 0; k < experts; k++) sum += h[i][k] = rng.nextDouble() + 1e-3;
            for (int k = 0; k < experts; k++) h[i][k] /= sum;
        }
        double previous = Double.NEGATIVE_INFINITY, ll = previous;
        for (int it = 0; it < iterations; it++) {
            mStep(z, y, h, floor);
            ll = eStep(z, y, h);
            if (ll - previous < 1e-6 * n) break;
            previous = ll;
        }
        return ll;
    }

    private double[] gates(double[] zi) {
        double[] g = new double[experts];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < experts; k++) {
            g[k] = dot(gate[k], zi);
            max = Math.max(max, g[k]);
        }
        double s = 0;
        for (int k = 0; k < experts; k++) s += g[k] = Math.exp(g[k] - max);
        for (int k = 0; k < experts; k++) g[k] /= s;
        return g;
    }

    private static double dot(double[] c, double[] zi) {
        double s = c[0];
        for (int j = 0; j < zi.length; j++) s += c[j + 1] * zi[j];
        return s;
    }

    /** Fills h with responsibilities; returns the log-likelihood. */
    private double eStep(double[][] z, double[] y, double[][] h) {
        double ll = 0;
        for (int i = 0; i < y.length; i++) {
            double[] g = gates(z[i]);
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < experts; k++) {
                double r = y[i] - dot(expert[k], z[i]);
                h[i][k] = Math.log(Math.max(g[k], 1e-300)) - 0.5 * (Math.log(2 * Math.PI * variance[k]) + r * r / variance[k]);
                max = Math.max(max, h[i][k]);
            }
            double s = 0;
            for (int k = 0; k < experts; k++) s += Math.exp(h[i][k] - max);
            double log = max + Math.log(s);
            for (int k = 0; k < experts; k++) h[i][k] = Math.exp(h[i][k] - log);
            ll += log;
        }
        return ll;
    }

    private void mStep(double[][] z, double[] y, double[][] h, double floor) {
        int n = y.length, p = z[0].length + 1;
        for (int k = 0; k < experts; k++) {
            double[][] a = new double[p][p];
            double[] r = new double[p], u = new double[p];
            u[0] = 1;
            double sw = 0;
            for (int i = 0; i < n; i++) {
                double w = h[i][k];
                sw += w;
                System.arraycopy(z[i], 0, u, 1, p - 1);
                for (int j = 0; j < p; j++) {
                    r[j] += w * u[j] * y[i];
                    for (int m = 0; m <= j; m++) a[j][m] += w * u[j] * u[m];
                }
            }
            // a tiny ridge keeps an expert with few rows solvable
            for (int j = 1; j < p; j++) a[j][j] += 1e-6;
            if (sw < 1e-9) continue;
            expert[k] = Cholesky.solve(a, r);
            double s = 0;
            for (int i = 0; i < n; i++) {
                double e = y[i] - dot(expert[k], z[i]);
                s += h[i][k] * e * e;
            }
            variance[k] = Math.max(s / sw, floor);
        }
        fitGate(z, h);
    }

    private double gateObjective(double[][] z, double[][] h) {
        double j = 0;
        for (int i = 0; i < z.length; i++) {
            double[] g = gates(z[i]);
            for (int k = 0; k < experts; k++) j += h[i][k] * Math.log(Math.max(g[k], 1e-300));
        }
        return j / z.length;
    }

    private void fitGate(double[][] z, double[][] h) {
        int n = z.length, p = z[0].length + 1;
        double current = gateObjective(z, h);
        double lr = 1;
        for (int step = 0; step < GATE_STEPS; step++) {
            double[][] grad = new double[experts][p];
            for (int i = 0; i < n; i++) {
                double[] g = gates(z[i]);
                for (int k = 0; k < experts; k++) {
                    double d = (h[i][k] - g[k]) / n;
                    grad[k][0] += d;
                    for (int j = 1; j < p; j++) grad[k][j] += d * z[i][j - 1];
                }
            }
            double[][] old = gate;
            boolean improved = false;
            for (int tries = 0; tries < 20 && !improved; tries++) {
                double[][] next = new double[experts][p];
                for (int k = 0; k < experts; k++) for (int j = 0; j < p; j++) next[k][j] = old[k][j] + lr * grad[k][j];
                gate = next;
                double value = gateObjective(z, h);
                if (value >= current) {
                    current = value;
                    improved = true;
                    lr *= 1.5;
                } else {
                    lr *= 0.5;
                }
            }
            if (!improved) {
                gate = old;
                break;
            }
        }
    }

    @Override
    public double[] predict(double[][] x) {
        double[][] z = standardizer.apply(x);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            double[] g = gates(z[i]);
            for (int k = 0; k < experts; k++) out[i] += g[k] * dot(expert[k], z[i]);
        }
        return out;
    }
}
