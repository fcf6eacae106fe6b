package org.moe4j.hrme;

import java.util.Arrays;

/**
 * Grows the tree top-down (the growth half of the paper's recursive procedure). A node holds the
 * training rows routed to it: all rows at the root; in a child, the rows of its parent that the
 * child is responsible for (share >= 1/2) after the split's local EM, or, with no local EM, the
 * rows whose y falls on its side of the threshold. For every candidate threshold t on the
 * fixed grid t_k = min y + k * step (step = range / (thresholds + 1), taken over all training
 * rows) that leaves at least {@code minLeafRows} rows on each side, it labels its rows
 * [y <= t] (left), trains the router on those labels, fits a leaf regressor and a noise variance
 * on each side, refines the two-leaf mixture by {@code splitEmSteps} steps of EM on the node's rows
 * (a y-interval is only a starting point: a router that sees x alone misroutes rows near the
 * threshold, and until EM widens the leaves those rows score badly), and scores the soft two-leaf
 * mixture on the node's rows:
 * <ul>
 *   <li>LOG_LIKELIHOOD: mean_i log(p_i N(y_i; f_L, s_L^2) + (1 - p_i) N(y_i; f_R, s_R^2)) minus the
 *       unsplit leaf's mean_i log N(y_i; f, s^2);</li>
 *   <li>MAE: the relative fall of mean_i |y_i - (p_i f_L + (1 - p_i) f_R)| below the unsplit leaf's.</li>
 * </ul>
 * A candidate that leaves either child fewer than {@code minLeafRows} rows is skipped, so no leaf
 * is ever empty. The best threshold is kept if its gain reaches {@code minGain}; then both children are grown in
 * turn. A node stops at {@code maxDepth}, with fewer than 2 x {@code minLeafRows} rows, with a y
 * range below two steps, or when no split gains enough.
 */
final class HrmeGrowth {
    private final HrmeConfig config;
    private final double[][] z;
    private final double[] y;
    private final double step;
    private final double gridStart;
    private final double varianceFloor;
    private int nodesMade;

    HrmeGrowth(HrmeConfig config, double[][] z, double[] y) {
        this.config = config;
        this.z = z;
        this.y = y;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY, mean = 0;
        for (double v : y) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
            mean += v;
        }
        mean /= y.length;
        double var = 0;
        for (double v : y) var += (v - mean) * (v - mean);
        this.gridStart = lo;
        this.step = (hi - lo) / (config.thresholds() + 1);
        // a leaf that fits its rows exactly must keep a positive variance, or its density is infinite
        this.varianceFloor = Math.max(1e-6 * var / y.length, 1e-300);
    }

    double varianceFloor() {
        return varianceFloor;
    }

    TreeNode grow() {
        int[] all = new int[y.length];
        for (int i = 0; i < all.length; i++) all[i] = i;
        LeafRegressor leaf = newLeaf();
        double[] ones = new double[all.length];
        Arrays.fill(ones, 1);
        leaf.fit(z, y, ones);
        TreeNode root = new TreeNode(0, leaf, variance(leaf, all, ones), all.length);
        grow(root, all);
        return root;
    }

    private LeafRegressor newLeaf() {
        return LeafRegressor.create(config, z[0].length, config.seed() + 1_000_003L * ++nodesMade);
    }

    private RoutingClassifier newRouter() {
        return RoutingClassifier.create(config, z[0].length, config.seed() + 1_000_033L * ++nodesMade);
    }

    private double variance(LeafRegressor leaf, int[] rows, double[] w) {
        double s = 0, sw = 0;
        for (int k = 0; k < rows.length; k++) {
            double r = y[rows[k]] - leaf.predict(z[rows[k]]);
            s += w[k] * r * r;
            sw += w[k];
        }
        return Math.max(s / sw, varianceFloor);
    }

    /** A candidate split of one node. */
    private record Candidate(double threshold, double gain, RoutingClassifier router, LeafRegressor left, double leftVar,
                             LeafRegressor right, double rightVar, boolean[] goesLeft, int leftRows) {}

    private void grow(TreeNode node, int[] rows) {
        if (node.depth >= config.maxDepth() || rows.length < 2 * config.minLeafRows()) return;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int i : rows) {
            lo = Math.min(lo, y[i]);
            hi = Math.max(hi, y[i]);
        }
        if (hi - lo < 2 * step) return;
        Candidate best = scan(node, rows);
        if (best == null || !(best.gain >= config.minGain())) return;
        int[] left = new int[best.leftRows], right = new int[rows.length - best.leftRows];
        int a = 0, b = 0;
        for (int k = 0; k < rows.length; k++) {
            if (best.goesLeft[k]) left[a++] = rows[k];
            else right[b++] = rows[k];
        }
        TreeNode l = new TreeNode(node.depth + 1, best.left, best.leftVar, left.length);
        TreeNode r = new TreeNode(node.depth + 1, best.right, best.rightVar, right.length);
        node.split(best.router, best.threshold, l, r);
        grow(l, left);
        grow(r, right);
    }

    private Candidate scan(TreeNode node, int[] rows) {
        int n = rows.length;
        double[][] zr = new double[n][];
        double[] yr = new double[n];
        for (int k = 0; k < n; k++) {
            zr[k] = z[rows[k]];
            yr[k] = y[rows[k]];
        }
        double[] sorted = yr.clone();
        Arrays.sort(sorted);
        double[] parentScore = new double[n];
        for (int k = 0; k < n; k++) parentScore[k] = node.leaf.predict(zr[k]);
        double parent = config.objective() == HrmeConfig.SplitObjective.MAE ? mae(yr, parentScore)
                : meanLogNormal(yr, parentScore, node.variance);
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        double[] labels = new double[n], wLeft = new double[n], wRight = new double[n];
        Candidate best = null;
        RoutingClassifier warm = newRouter();
        for (int k = 1; k <= config.thresholds(); k++) {
            double t = gridStart + k * step;
            int below = upperBound(sorted, t);
            if (below < config.minLeafRows() || n - below < config.minLeafRows()) continue;
            for (int i = 0; i < n; i++) {
                boolean goesLeft = yr[i] <= t;
                labels[i] = goesLeft ? 1 : 0;
                wLeft[i] = goesLeft ? 1 : 0;
                wRight[i] = goesLeft ? 0 : 1;
            }
            RoutingClassifier router = warm.copy();
            router.fit(zr, labels, ones);
            warm = router;
            LeafRegressor left = node.leaf.copy(), right = node.leaf.copy();
            left.fit(zr, yr, wLeft);
            right.fit(zr, yr, wRight);
            double vl = residualVariance(left, zr, yr, wLeft), vr = residualVariance(right, zr, yr, wRight);
            for (int step = 0; step < config.splitEmSteps(); step++) {
                // local EM on the two-leaf mixture of this node's rows: responsibilities given x and y,
                // then the router on the soft labels and each leaf on its weights (see HrmeEm)
                for (int i = 0; i < n; i++) {
                    labels[i] = responsibilityLeft(router, left, vl, right, vr, zr[i], yr[i]);
                    wLeft[i] = labels[i];
                    wRight[i] = 1 - labels[i];
                }
                router.fit(zr, labels, ones);
                left.fit(zr, yr, wLeft);
                right.fit(zr, yr, wRight);
                vl = residualVariance(left, zr, yr, wLeft);
                vr = residualVariance(right, zr, yr, wRight);
            }
            // the children hold the rows each is responsible for (after local EM; the y-interval without it)
            boolean[] goesLeft = new boolean[n];
            int leftRows = 0;
            for (int i = 0; i < n; i++) {
                goesLeft[i] = config.splitEmSteps() == 0 ? yr[i] <= t : responsibilityLeft(router, left, vl, right, vr, zr[i], yr[i]) >= 0.5;
                if (goesLeft[i]) leftRows++;
            }
            if (leftRows < config.minLeafRows() || n - leftRows < config.minLeafRows()) continue;
            double gain = gain(parent, router, left, vl, right, vr, zr, yr);
            if (best == null || gain > best.gain) best = new Candidate(t, gain, router, left, vl, right, vr, goesLeft, leftRows);
        }
        return best;
    }

    /** The left leaf's share of p N(y; f_L, s_L^2) + (1 - p) N(y; f_R, s_R^2) for one row. */
    private static double responsibilityLeft(RoutingClassifier router, LeafRegressor left, double vl, LeafRegressor right,
                                             double vr, double[] z, double y) {
        double p = router.probabilityLeft(z);
        double a = Math.log(Math.max(p, 1e-300)) + logNormal(y, left.predict(z), vl);
        double b = Math.log(Math.max(1 - p, 1e-300)) + logNormal(y, right.predict(z), vr);
        return Math.exp(a - logSumExp(a, b));
    }

    private double gain(double parent, RoutingClassifier router, LeafRegressor left, double vl, LeafRegressor right,
                        double vr, double[][] zr, double[] yr) {
        int n = yr.length;
        if (config.objective() == HrmeConfig.SplitObjective.MAE) {
            double[] soft = new double[n];
            for (int i = 0; i < n; i++) {
                double p = router.probabilityLeft(zr[i]);
                soft[i] = p * left.predict(zr[i]) + (1 - p) * right.predict(zr[i]);
            }
            return parent > 0 ? (parent - mae(yr, soft)) / parent : 0;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double p = router.probabilityLeft(zr[i]);
            double a = Math.log(Math.max(p, 1e-300)) + logNormal(yr[i], left.predict(zr[i]), vl);
            double b = Math.log(Math.max(1 - p, 1e-300)) + logNormal(yr[i], right.predict(zr[i]), vr);
            total += logSumExp(a, b);
        }
        return total / n - parent;
    }

    private double residualVariance(LeafRegressor leaf, double[][] zr, double[] yr, double[] w) {
        double s = 0, sw = 0;
        for (int i = 0; i < yr.length; i++) {
            if (w[i] == 0) continue;
            double r = yr[i] - leaf.predict(zr[i]);
            s += w[i] * r * r;
            sw += w[i];
        }
        return Math.max(s / sw, varianceFloor);
    }

    /** The number of values <= t in an ascending array. */
    static int upperBound(double[] sorted, double t) {
        int lo = 0, hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    static double logNormal(double y, double mean, double variance) {
        double r = y - mean;
        return -0.5 * (Math.log(2 * Math.PI * variance) + r * r / variance);
    }

    static double logSumExp(double a, double b) {
        double m = Math.max(a, b);
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    private static double meanLogNormal(double[] y, double[] f, double variance) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += logNormal(y[i], f[i], variance);
        return s / y.length;
    }

    private static double mae(double[] y, double[] f) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += Math.abs(y[i] - f[i]);
        return s / y.length;
    }
}
