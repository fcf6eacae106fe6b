package org.moe4j.hrme;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained HRME tree. With leaves l = 0 .. L-1 in left-to-right order, the path probability of
 * leaf l is g_l(x) = prod over the splits v on its path of p_v(x) (going left) or 1 - p_v(x)
 * (going right), and the model is the mixture
 * <pre>  p(y | x) = sum_l g_l(x) N(y; f_l(x), s_l^2)  </pre>
 * Predictions: soft, E[y | x] = sum_l g_l(x) f_l(x); hard, f_l*(x) of the most probable path
 * l* = argmax_l g_l(x) (the paper's figure 1).
 */
public final class HrmeModel {
    private final HrmeConfig config;
    private final Standardizer standardizer;
    final TreeNode root;

    HrmeModel(HrmeConfig config, Standardizer standardizer, TreeNode root) {
        this.config = config;
        this.standardizer = standardizer;
        this.root = root;
    }

    public HrmeConfig config() {
        return config;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    public int features() {
        return standardizer.features();
    }

    public int leafCount() {
        return root.leaves();
    }

    public int depth() {
        return root.height();
    }

    /** The leaves in left-to-right order. */
    List<TreeNode> leafNodes() {
        List<TreeNode> out = new ArrayList<>();
        collectLeaves(root, out);
        return out;
    }

    private static void collectLeaves(TreeNode n, List<TreeNode> out) {
        if (n.isLeaf()) {
            out.add(n);
        } else {
            collectLeaves(n.left, out);
            collectLeaves(n.right, out);
        }
    }

    /** Writes g_l(z) for every leaf, left to right, into {@code gates} from {@code at}; returns the next index. */
    static int pathProbabilities(TreeNode n, double[] z, double mass, double[] gates, int at) {
        if (n.isLeaf()) {
            gates[at] = mass;
            return at + 1;
        }
        double p = n.router.probabilityLeft(z);
        int next = pathProbabilities(n.left, z, mass * p, gates, at);
        return pathProbabilities(n.right, z, mass * (1 - p), gates, next);
    }

    // x: (n, d) raw inputs -> (n, L) path probabilities
    public double[][] leafProbabilities(double[][] x) {
        RegressionData.requireWidth(x, features(), "HRME leafProbabilities");
        double[][] z = standardizer.apply(x);
        int leaves = leafCount();
        double[][] g = new double[z.length][leaves];
        for (int i = 0; i < z.length; i++) pathProbabilities(root, z[i], 1, g[i], 0);
        return g;
    }

    // x: (n, d) raw inputs -> (n, L) every leaf's output f_l(x)
    public double[][] leafPredictions(double[][] x) {
        RegressionData.requireWidth(x, features(), "HRME leafPredictions");
        double[][] z = standardizer.apply(x);
        List<TreeNode> leaves = leafNodes();
        double[][] f = new double[z.length][leaves.size()];
        for (int i = 0; i < z.length; i++) {
            for (int l = 0; l < leaves.size(); l++) f[i][l] = leaves.get(l).leaf.predict(z[i]);
        }
        return f;
    }

    /** E[y | x] = sum_l g_l(x) f_l(x). */
    public double[] predictSoft(double[][] x) {
        double[][] g = leafProbabilities(x), f = leafPredictions(x);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            for (int l = 0; l < g[i].length; l++) out[i] += g[i][l] * f[i][l];
        }
        return out;
    }

    /** f_l*(x) with l* the most probable path (ties to the leftmost leaf). */
    public double[] predictHard(double[][] x) {
        double[][] g = leafProbabilities(x), f = leafPredictions(x);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = f[i][argmax(g[i])];
        return out;
    }

    /** The most probable leaf of every row. */
    public int[] hardLeaves(double[][] x) {
        double[][] g = leafProbabilities(x);
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = argmax(g[i]);
        return out;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int l = 1; l < v.length; l++) if (v[l] > v[best]) best = l;
        return best;
    }

    /** Mean log p(y | x) per row under the mixture. */
    public double meanLogLikelihood(RegressionData data) {
        RegressionData.requireWidth(data.x(), features(), "HRME meanLogLikelihood");
        double[][] z = standardizer.apply(data.x());
        return HrmeEm.logLikelihood(this, z, data.y()) / data.rows();
    }

    /** Depth, leaves and every split's threshold and leaf's noise, ready for JSON. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("depth", (long) depth());
        m.put("leaves", (long) leafCount());
        List<Object> thresholds = new ArrayList<>();
        collectThresholds(root, thresholds);
        m.put("thresholds", thresholds);
        m.put("router", config.router().name().toLowerCase(java.util.Locale.ROOT));
        m.put("leaf", config.leaf().name().toLowerCase(java.util.Locale.ROOT));
        m.put("tree", node(root));
        return m;
    }

    private static void collectThresholds(TreeNode n, List<Object> out) {
        if (n.isLeaf()) return;
        collectThresholds(n.left, out);
        out.add(n.threshold);
        collectThresholds(n.right, out);
    }

    private static Map<String, Object> node(TreeNode n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("depth", (long) n.depth);
        m.put("grown_rows", (long) n.grownRows);
        if (n.isLeaf()) {
            m.put("noise_sd", Math.sqrt(n.variance));
        } else {
            m.put("threshold", n.threshold);
            m.put("left", node(n.left));
            m.put("right", node(n.right));
        }
        return m;
    }

    /** One line per node, indented by depth: "y <= t" splits and leaves with their noise. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        text(root, sb, "");
        return sb.toString();
    }

    private static void text(TreeNode n, StringBuilder sb, String indent) {
        if (n.isLeaf()) {
            sb.append(indent).append(String.format(java.util.Locale.ROOT, "leaf: %d rows grown, noise sd %.4g%n",
                    n.grownRows, Math.sqrt(n.variance)));
        } else {
            sb.append(indent).append(String.format(java.util.Locale.ROOT, "split y <= %.4g (%d rows grown)%n",
                    n.threshold, n.grownRows));
            text(n.left, sb, indent + "  ");
            text(n.right, sb, indent + "  ");
        }
    }
}
