package org.moe4j.hrme;

/**
 * Rows of a regression problem: inputs x (n, d) and targets y (n), checked once so that every
 * model below can trust them: same row count, the same width on every row, at least one row and
 * one feature, and every value finite (a NaN would silently poison every sum of a fit).
 *
 * @param x (n, d) inputs, one array per row
 * @param y (n) targets
 */
public record RegressionData(double[][] x, double[] y) {
    public RegressionData {
        if (x == null || y == null) throw new IllegalArgumentException("regression data: x and y must not be null");
        if (x.length != y.length) {
            throw new IllegalArgumentException("regression data: " + x.length + " rows of x but " + y.length + " targets y; "
                    + "every row needs exactly one target");
        }
        if (x.length == 0) throw new IllegalArgumentException("regression data: no rows; at least 1 row is needed");
        int d = x[0] == null ? 0 : x[0].length;
        if (d == 0) throw new IllegalArgumentException("regression data: rows have no features; at least 1 is needed");
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != d) {
                throw new IllegalArgumentException("regression data: row " + i + " has " + (x[i] == null ? 0 : x[i].length)
                        + " features but row 0 has " + d + "; every row must have the same width");
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(x[i][j])) {
                    throw new IllegalArgumentException("regression data: x[" + i + "][" + j + "] is " + x[i][j]
                            + "; every input must be a finite number");
                }
            }
            if (!Double.isFinite(y[i])) {
                throw new IllegalArgumentException("regression data: y[" + i + "] is " + y[i]
                        + "; every target must be a finite number");
            }
        }
    }

    public int rows() {
        return y.length;
    }

    public int features() {
        return x[0].length;
    }

    /** The rows at {@code index}, in that order (shared row arrays, not copies). */
    public RegressionData subset(int[] index) {
        double[][] xs = new double[index.length][];
        double[] ys = new double[index.length];
        for (int k = 0; k < index.length; k++) {
            xs[k] = x[index[k]];
            ys[k] = y[index[k]];
        }
        return new RegressionData(xs, ys);
    }

    /** Checks the width of inputs handed to a model trained on {@code features} features. */
    static void requireWidth(double[][] x, int features, String where) {
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != features) {
                throw new IllegalArgumentException(where + ": row " + i + " has " + (x[i] == null ? 0 : x[i].length)
                        + " features, the model was trained on " + features);
            }
            for (int j = 0; j < features; j++) {
                if (!Double.isFinite(x[i][j])) {
                    throw new IllegalArgumentException(where + ": x[" + i + "][" + j + "] is " + x[i][j]
                            + "; inputs must be finite numbers");
                }
            }
        }
    }
}
