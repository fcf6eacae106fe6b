package org.moe4j.hrme;

import org.moe4j.tensor.Rng;

/**
 * A one-hidden-layer network u(z) = w2 . tanh(W1 z + b1) + b2 for the optional MLP leaves and
 * routers and for the MLP baseline, trained by Adam on mini-batches of a weighted loss:
 * <ul>
 *   <li>{@link Loss#SQUARED}: sum_i w_i (y_i - f(z_i))^2 / sum_i w_i with f = mean_y + sd_y u, the
 *       targets' weighted mean and standard deviation taken once per fit so that the step size
 *       does not depend on the units of y;</li>
 *   <li>{@link Loss#LOGISTIC}: - sum_i w_i [t_i log s(u_i) + (1 - t_i) log(1 - s(u_i))] / sum_i w_i
 *       with soft targets t in [0, 1] and s the logistic function.</li>
 * </ul>
 * Forward and backward for one row are side by side in {@link #accumulate}.
 */
public final class SmallMlp {
    public enum Loss { SQUARED, LOGISTIC }

    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private static final int BATCH = 128;

    final int features, hidden;
    final Loss loss;
    // theta: W1 (hidden, features) row-major, then b1 (hidden), w2 (hidden), b2; then mean_y, sd_y
    double[] theta;

    public SmallMlp(int features, int hidden, Loss loss, long seed) {
        this.features = features;
        this.hidden = hidden;
        this.loss = loss;
        this.theta = new double[parameterCount(features, hidden)];
        Rng rng = new Rng(seed);
        // Xavier-uniform weights for tanh, zero biases
        double a1 = Math.sqrt(6.0 / (features + hidden));
        for (int k = 0; k < hidden * features; k++) theta[k] = (2 * rng.nextDouble() - 1) * a1;
        double a2 = Math.sqrt(6.0 / (hidden + 1));
        for (int k = 0; k < hidden; k++) theta[hidden * features + hidden + k] = (2 * rng.nextDouble() - 1) * a2;
        theta[theta.length - 1] = 1;
    }

    static int parameterCount(int features, int hidden) {
        return hidden * features + 2 * hidden + 1 + 2;
    }

    private int w2At() {
        return hidden * features + hidden;
    }

    private int b2At() {
        return hidden * features + 2 * hidden;
    }

    /** The network's raw output u(z) (before the target scale or the logistic function). */
    double raw(double[] z, double[] h) {
        int w2 = w2At();
        double u = theta[b2At()];
        for (int k = 0; k < hidden; k++) {
            double s = theta[hidden * features + k];
            int row = k * features;
            for (int j = 0; j < features; j++) s += theta[row + j] * z[j];
            h[k] = Math.tanh(s);
            u += theta[w2 + k] * h[k];
        }
        return u;
    }

    /** f(z): the regression output (SQUARED) or the probability s(u) (LOGISTIC). */
    public double predict(double[] z) {
        double u = raw(z, new double[hidden]);
        return loss == Loss.SQUARED ? theta[theta.length - 2] + theta[theta.length - 1] * u : 1 / (1 + Math.exp(-u));
    }

    /**
     * Adds w * d(loss_i)/d(theta) for one row to grad (forward, then backward through w2, tanh, W1).
     * target is the standardised y (SQUARED) or the soft label (LOGISTIC); returns the row's loss.
     */
    private double accumulate(double[] z, double target, double w, double[] h, double[] grad) {
        double u = raw(z, h);
        double du, l;
        if (loss == Loss.SQUARED) {
            du = 2 * (u - target);
            l = (u - target) * (u - target);
        } else {
            double p = 1 / (1 + Math.exp(-u));
            du = p - target;
            l = -(target * Math.log(Math.max(p, 1e-300)) + (1 - target) * Math.log(Math.max(1 - p, 1e-300)));
        }
        du *= w;
        int w2 = w2At();
        grad[b2At()] += du;
        for (int k = 0; k < hidden; k++) {
            grad[w2 + k] += du * h[k];
            double dpre = du * theta[w2 + k] * (1 - h[k] * h[k]);
            grad[hidden * features + k] += dpre;
            int row = k * features;
            for (int j = 0; j < features; j++) grad[row + j] += dpre * z[j];
        }
        return w * l;
    }

    /** The weighted mean loss and its gradient over all rows (used by the gradient check). */
    double lossAndGradient(double[][] z, double[] t, double[] w, double[] grad) {
        double[] h = new double[hidden];
        double total = 0, sw = 0;
        java.util.Arrays.fill(grad, 0);
        for (int i = 0; i < z.length; i++) {
            total += accumulate(z[i], scaled(t[i]), w[i], h, grad);
            sw += w[i];
        }
        for (int k = 0; k < grad.length; k++) grad[k] /= sw;
        return total / sw;
    }

    private double scaled(double y) {
        return loss == Loss.SQUARED ? (y - theta[theta.length - 2]) / theta[theta.length - 1] : y;
    }

    // z: (n, features)   t: (n) targets   w: (n) row weights >= 0
    public void fit(double[][] z, double[] t, double[] w, int epochs, double learningRate, long seed) {
        int n = z.length;
        double sw = 0;
        for (double v : w) sw += v;
        if (!(sw > 0)) return;
        if (loss == Loss.SQUARED) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) mean += w[i] * t[i];
            mean /= sw;
            for (int i = 0; i < n; i++) var += w[i] * (t[i] - mean) * (t[i] - mean);
            theta[theta.length - 2] = mean;
            theta[theta.length - 1] = Math.max(Math.sqrt(var / sw), 1e-12);
        }
        int active = theta.length - 2;
        double[] grad = new double[theta.length], m = new double[active], v = new double[active];
        double[] h = new double[hidden];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Rng rng = new Rng(seed);
        double meanWeight = sw / n;
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            for (int start = 0; start < n; start += BATCH) {
                int end = Math.min(n, start + BATCH);
                java.util.Arrays.fill(grad, 0);
                for (int b = start; b < end; b++) {
                    int i = order[b];
                    if (w[i] != 0) accumulate(z[i], scaled(t[i]), w[i], h, grad);
                }
                // a batch's gradient is divided by its size times the mean weight, so that a batch of
                // typical rows takes a step of the usual size whatever the scale of the weights
                double norm = (end - start) * meanWeight;
                step++;
                double c1 = 1 - Math.pow(BETA1, step), c2 = 1 - Math.pow(BETA2, step);
                for (int k = 0; k < active; k++) {
                    double g = grad[k] / norm;
                    m[k] = BETA1 * m[k] + (1 - BETA1) * g;
                    v[k] = BETA2 * v[k] + (1 - BETA2) * g * g;
                    theta[k] -= learningRate * (m[k] / c1) / (Math.sqrt(v[k] / c2) + EPS);
                }
            }
        }
    }

    SmallMlp copy() {
        SmallMlp c = new SmallMlp(features, hidden, loss, 0);
        c.theta = theta.clone();
        return c;
    }

    void load(double[] parameters, String what) {
        if (parameters.length != theta.length) {
            throw new IllegalArgumentException(what + ": " + parameters.length + " parameters, expected " + theta.length
                    + " (an MLP of " + features + " inputs and " + hidden + " hidden units)");
        }
        theta = parameters.clone();
    }
}
