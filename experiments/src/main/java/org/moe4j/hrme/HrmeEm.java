package org.moe4j.hrme;

import java.util.ArrayList;
import java.util.List;

/**
 * EM refinement of a grown tree (the probabilistic half of the paper's procedure; the steps are
 * those of Jordan and Jacobs' hierarchical mixture of experts, 1994).
 * <ul>
 *   <li>E-step: the responsibility of leaf l for row i given x_i and y_i,
 *       h_il = g_l(x_i) N(y_i; f_l(x_i), s_l^2) / sum_m g_m(x_i) N(y_i; f_m(x_i), s_m^2).</li>
 *   <li>M-step: each leaf refits its regressor by least squares weighted by h_il and takes
 *       s_l^2 = sum_i h_il (y_i - f_l(x_i))^2 / sum_i h_il; each split v, with H_iv the summed
 *       responsibility of its subtree and L_iv that of its left subtree, refits its router on
 *       soft labels L_iv / H_iv with row weights H_iv.</li>
 * </ul>
 * It stops when the log-likelihood sum_i log p(y_i | x_i) rises by less than
 * {@code emTolerance} per row; if a step lowers it (possible with MLP experts, whose M-step is
 * only approximate) the previous parameters are restored.
 */
final class HrmeEm {
    /**
     * Rows whose responsibility for a node is below this weigh nothing in its M-step. Deep nodes
     * see most rows with tiny weights; dropping them makes an M-step several times cheaper, and
     * a step that would lower the likelihood through it is refused like any other.
     */
    static final double NEGLIGIBLE = 1e-5;

    private HrmeEm() {}

    /** sum_i log sum_l g_l(z_i) N(y_i; f_l(z_i), s_l^2). */
    static double logLikelihood(HrmeModel model, double[][] z, double[] y) {
        return eStep(model, model.leafNodes(), z, y, null);
    }

    /**
     * The E-step and the log-likelihood in one pass: fills h (n, L) with the responsibilities
     * (rows summing to 1) unless it is null, and returns sum_i log p(y_i | x_i).
     */
    static double eStep(HrmeModel model, List<TreeNode> leaves, double[][] z, double[] y, double[][] h) {
        int leafCount = leaves.size();
        // per leaf: log N(y; f, s^2) = logScale - (y - f)^2 * halfPrecision
        double[] logScale = new double[leafCount], halfPrecision = new double[leafCount];
        for (int l = 0; l < leafCount; l++) {
            double v = leaves.get(l).variance;
            logScale[l] = -0.5 * Math.log(2 * Math.PI * v);
            halfPrecision[l] = 0.5 / v;
        }
        double[] gates = new double[leafCount], terms = new double[leafCount];
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            HrmeModel.pathProbabilities(model.root, z[i], 1, gates, 0);
            double max = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < leafCount; l++) {
                double r = y[i] - leaves.get(l).leaf.predict(z[i]);
                terms[l] = Math.log(Math.max(gates[l], 1e-300)) + logScale[l] - r * r * halfPrecision[l];
                max = Math.max(max, terms[l]);
            }
            double sum = 0;
            for (int l = 0; l < leafCount; l++) sum += terms[l] = Math.exp(terms[l] - max);
            total += max + Math.log(sum);
            if (h != null) for (int l = 0; l < leafCount; l++) h[i][l] = terms[l] / sum;
        }
        return total;
    }

    /** Runs EM in place on {@code model}; returns the log-likelihood per row after growth and after each kept step. */
    static List<Double> refine(HrmeModel model, double[][] z, double[] y, HrmeConfig config, double varianceFloor) {
        int n = y.length;
        List<TreeNode> leaves = model.leafNodes();
        double[][] h = new double[n][leaves.size()], next = new double[n][leaves.size()];
        double current = eStep(model, leaves, z, y, h);
        List<Double> history = new ArrayList<>();
        history.add(current / n);
        for (int it = 0; it < config.emIterations(); it++) {
            TreeNode before = model.root.copy();
            mStep(model.root, leaves, 0, h, z, y, varianceFloor);
            double value = eStep(model, leaves, z, y, next);
            if (!(value >= current)) {
                restore(model.root, before);
                break;
            }
            history.add(value / n);
            boolean converged = value - current < config.emTolerance() * n;
            current = value;
            double[][] swap = h;
            h = next;
            next = swap;
            if (converged) break;
        }
        return history;
    }

    /** M-step for the subtree at {@code node}, whose leaves start at index {@code first}; returns the leaf count. */
    private static int mStep(TreeNode node, List<TreeNode> leaves, int first, double[][] h, double[][] z, double[] y,
                             double varianceFloor) {
        int n = y.length;
        if (node.isLeaf()) {
            double[] w = new double[n];
            double sw = 0;
            for (int i = 0; i < n; i++) {
                    w[i] = h[i][first] < NEGLIGIBLE ? 0 : h[i][first];
                sw += w[i];
            }
            // a leaf that has lost (almost) all its rows keeps its last fit rather than fit on nothing
            if (sw < 1) return 1;
            node.leaf.fit(z, y, w);
            double s = 0;
            for (int i = 0; i < n; i++) {
                if (w[i] == 0) continue;
                double r = y[i] - node.leaf.predict(z[i]);
                s += w[i] * r * r;
            }
            node.variance = Math.max(s / sw, varianceFloor);
            return 1;
        }
        int leftCount = node.left.leaves(), count = node.leaves();
        double[] target = new double[n], w = new double[n];
        double sw = 0;
        for (int i = 0; i < n; i++) {
            double all = 0, left = 0;
            for (int l = first; l < first + count; l++) {
                all += h[i][l];
                if (l < first + leftCount) left += h[i][l];
            }
            w[i] = all < NEGLIGIBLE ? 0 : all;
            target[i] = all > 0 ? Math.min(1, left / all) : 0.5;
            sw += w[i];
        }
        if (sw >= 1) node.router.fit(z, target, w);
        mStep(node.left, leaves, first, h, z, y, varianceFloor);
        mStep(node.right, leaves, first + leftCount, h, z, y, varianceFloor);
        return count;
    }

    private static void restore(TreeNode into, TreeNode from) {
        into.leaf = from.leaf;
        into.variance = from.variance;
        into.router = from.router;
        if (!into.isLeaf()) {
            restore(into.left, from.left);
            restore(into.right, from.right);
        }
    }
}
