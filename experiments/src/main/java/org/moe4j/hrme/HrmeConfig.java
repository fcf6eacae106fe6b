package org.moe4j.hrme;

import java.util.Arrays;

/**
 * How an HRME tree is grown and refined (Zhao, Gao, Memon, Raj and Singh, "Hierarchical Routing
 * Mixture of Experts", ICPR 2020, arXiv 1903.07756).
 *
 * @param maxDepth       deepest level a split may create, in [0, 16]; 0 is one leaf
 * @param minLeafRows    fewest training rows either side of a split, >= 2
 * @param thresholds     candidate thresholds across the root's y range, >= 1: the scan step is
 *                       (max y - min y) / (thresholds + 1), and a node whose y range is below two
 *                       steps is not split
 * @param minGain        improvement of the split objective a split must bring to be kept, >= 0:
 *                       mean log-likelihood per row in nats, or the relative fall of the MAE
 * @param splitEmSteps   EM steps on a candidate split's two leaves before it is scored, >= 0
 * @param objective      the split objective (the soft mixture's, on the node's rows)
 * @param router         the non-leaf classifiers
 * @param leaf           the leaf regressors
 * @param ridge          L2 penalty of a linear leaf's slopes on standardised inputs, >= 0
 * @param routerL2       L2 penalty of a logistic router's weights, >= 0
 * @param svmC           the SVM router's box constraint C (per unit of row weight), > 0
 * @param hiddenWidth    hidden units of an MLP router or leaf, >= 1
 * @param mlpEpochs      passes over the rows per MLP fit, >= 1
 * @param mlpLearningRate Adam step size of an MLP fit, > 0
 * @param emIterations   most EM refinement iterations after growth, >= 0
 * @param emTolerance    EM stops once the mean log-likelihood per row rises by less, >= 0
 * @param seed           seed of every MLP's initial weights and batch order
 */
public record HrmeConfig(int maxDepth, int minLeafRows, int thresholds, double minGain, int splitEmSteps,
                         SplitObjective objective,
                         RoutingClassifier.Kind router, LeafRegressor.Kind leaf, double ridge, double routerL2,
                         double svmC, int hiddenWidth, int mlpEpochs, double mlpLearningRate, int emIterations, double emTolerance,
                         long seed) {
    /** What a split must improve, measured on the rows of the node it splits. */
    public enum SplitObjective {
        /** mean log-likelihood of the two Gaussian leaves mixed by the router */
        LOG_LIKELIHOOD,
        /** mean absolute error of the soft prediction p f_left + (1 - p) f_right */
        MAE
    }

    public static final int MAX_DEPTH = 16;

    public HrmeConfig {
        require("maxDepth", maxDepth, maxDepth >= 0 && maxDepth <= MAX_DEPTH, "in [0, " + MAX_DEPTH + "]");
        require("minLeafRows", minLeafRows, minLeafRows >= 2, ">= 2");
        require("thresholds", thresholds, thresholds >= 1, ">= 1");
        require("minGain", minGain, minGain >= 0 && Double.isFinite(minGain), "finite and >= 0");
        require("splitEmSteps", splitEmSteps, splitEmSteps >= 0, ">= 0");
        notNull("objective", objective, SplitObjective.values());
        notNull("router", router, RoutingClassifier.Kind.values());
        notNull("leaf", leaf, LeafRegressor.Kind.values());
        require("ridge", ridge, ridge >= 0 && Double.isFinite(ridge), "finite and >= 0");
        require("routerL2", routerL2, routerL2 >= 0 && Double.isFinite(routerL2), "finite and >= 0");
        require("svmC", svmC, svmC > 0 && Double.isFinite(svmC), "finite and > 0");
        require("hiddenWidth", hiddenWidth, hiddenWidth >= 1, ">= 1");
        require("mlpEpochs", mlpEpochs, mlpEpochs >= 1, ">= 1");
        require("mlpLearningRate", mlpLearningRate, mlpLearningRate > 0 && Double.isFinite(mlpLearningRate), "finite and > 0");
        require("emIterations", emIterations, emIterations >= 0, ">= 0");
        require("emTolerance", emTolerance, emTolerance >= 0 && Double.isFinite(emTolerance), "finite and >= 0");
    }

    /**
     * Logistic routers and linear leaves (the paper's default experts), depth up to 4, 32
     * candidate thresholds each refined by 5 local EM steps, a split kept for 0.01 nats per row, up to 50 EM iterations.
     */
    public static HrmeConfig defaults() {
        return new HrmeConfig(4, 20, 32, 0.01, 5, SplitObjective.LOG_LIKELIHOOD, RoutingClassifier.Kind.LOGISTIC,
                LeafRegressor.Kind.LINEAR, 1e-3, 1e-3, 1, 16, 30, 0.01, 50, 1e-5, 0);
    }

    public HrmeConfig withSplitEmSteps(int steps) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, steps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withThresholds(int count) {
        return new HrmeConfig(maxDepth, minLeafRows, count, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withEmTolerance(double tolerance) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, tolerance, seed);
    }

    public HrmeConfig withDepth(int depth) {
        return new HrmeConfig(depth, minLeafRows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withMinLeafRows(int rows) {
        return new HrmeConfig(maxDepth, rows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withMinGain(double gain) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, gain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withExperts(RoutingClassifier.Kind routerKind, LeafRegressor.Kind leafKind) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, objective, routerKind, leafKind, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withEm(int iterations) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, iterations, emTolerance, seed);
    }

    public HrmeConfig withObjective(SplitObjective o) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, o, router, leaf, ridge, routerL2,
                svmC, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withSvmC(double c) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                c, hiddenWidth, mlpEpochs, mlpLearningRate, emIterations, emTolerance, seed);
    }

    public HrmeConfig withMlp(int hidden, int epochs, double learningRate) {
        return new HrmeConfig(maxDepth, minLeafRows, thresholds, minGain, splitEmSteps, objective, router, leaf, ridge, routerL2,
                svmC, hidden, epochs, learningRate, emIterations, emTolerance, seed);
    }

    private static void require(String field, double value, boolean ok, String allowed) {
        if (!ok) {
            String v = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value);
            throw new IllegalArgumentException("HrmeConfig: " + field + " is " + v + ", must be " + allowed);
        }
    }

    private static void notNull(String field, Object value, Object[] allowed) {
        if (value == null) {
            throw new IllegalArgumentException("HrmeConfig: " + field + " is null, must be one of " + Arrays.toString(allowed));
        }
    }
}
