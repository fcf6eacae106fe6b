package org.moe4j.hrme;

import java.util.List;

/**
 * The one entry point for training: checks the data, standardises the inputs, grows the tree
 * ({@link HrmeGrowth}) and refines it by EM ({@link HrmeEm}).
 */
public final class HrmeTrainer {
    private HrmeTrainer() {}

    /**
     * What training did: the tree, the seconds spent growing and refining, and the mean
     * log-likelihood per training row after growth and after each kept EM step.
     */
    public record Fit(HrmeModel model, double growthSeconds, double emSeconds, List<Double> logLikelihoods) {
        public int emIterations() {
            return logLikelihoods.size() - 1;
        }
    }

    public static Fit train(RegressionData data, HrmeConfig config) {
        int n = data.rows();
        if (n < 2) {
            throw new IllegalArgumentException("HRME: " + n + " training row; at least 2 are needed");
        }
        if (config.maxDepth() > 0 && n < 2 * config.minLeafRows()) {
            throw new IllegalArgumentException("HRME: " + n + " training rows are too few for a split, which needs 2 x minLeafRows = "
                    + 2 * config.minLeafRows() + "; give more rows, lower minLeafRows, or set maxDepth 0");
        }
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : data.y()) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (!(hi > lo)) {
            throw new IllegalArgumentException("HRME: the target y is constant (every one of the " + n + " rows has y = " + lo
                    + "); a regression tree needs targets that vary");
        }
        Standardizer standardizer = Standardizer.fit(data.x());
        double[][] z = standardizer.apply(data.x());
        long t0 = System.nanoTime();
        HrmeGrowth growth = new HrmeGrowth(config, z, data.y());
        HrmeModel model = new HrmeModel(config, standardizer, growth.grow());
        long t1 = System.nanoTime();
        List<Double> history = HrmeEm.refine(model, z, data.y(), config, growth.varianceFloor());
        long t2 = System.nanoTime();
        return new Fit(model, (t1 - t0) / 1e9, (t2 - t1) / 1e9, List.copyOf(history));
    }
}
