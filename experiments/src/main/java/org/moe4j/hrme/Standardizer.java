package org.moe4j.hrme;

/**
 * Per-feature centring and scaling z = (x - mean) / scale, fitted on the training rows, so that
 * one ridge penalty and one logistic step size suit every feature whatever its units. A constant
 * feature keeps scale 1 (it becomes 0 everywhere instead of a division by zero).
 *
 * @param mean  (d) training mean of each feature
 * @param scale (d) training standard deviation of each feature, 1 where it is 0
 */
public record Standardizer(double[] mean, double[] scale) {
    public Standardizer {
        if (mean.length != scale.length) {
            throw new IllegalArgumentException("standardizer: " + mean.length + " means but " + scale.length + " scales");
        }
        for (int j = 0; j < scale.length; j++) {
            if (!(scale[j] > 0) || !Double.isFinite(scale[j]) || !Double.isFinite(mean[j])) {
                throw new IllegalArgumentException("standardizer: feature " + j + " has mean " + mean[j] + " and scale "
                        + scale[j] + "; both must be finite and the scale > 0");
            }
        }
    }

    public static Standardizer fit(double[][] x) {
        int n = x.length, d = x[0].length;
        double[] mean = new double[d], scale = new double[d];
        for (double[] row : x) for (int j = 0; j < d; j++) mean[j] += row[j];
        for (int j = 0; j < d; j++) mean[j] /= n;
        for (double[] row : x) for (int j = 0; j < d; j++) scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(scale[j] / n);
            scale[j] = sd > 1e-12 * (1 + Math.abs(mean[j])) ? sd : 1;
        }
        return new Standardizer(mean, scale);
    }

    int features() {
        return mean.length;
    }

    public double[][] apply(double[][] x) {
        double[][] z = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            z[i] = new double[mean.length];
            for (int j = 0; j < mean.length; j++) z[i][j] = (x[i][j] - mean[j]) / scale[j];
        }
        return z;
    }
}
