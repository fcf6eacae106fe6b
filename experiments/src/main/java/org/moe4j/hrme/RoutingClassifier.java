package org.moe4j.hrme;

/**
 * A non-leaf node of the tree: a binary classifier giving the probability that a row goes to the
 * left child. Growth trains it on hard labels t_i = [y_i <= threshold]; the EM M-step on soft
 * labels t_i = (left subtree's responsibility) / (node's responsibility) with row weights equal to
 * the node's responsibility (Jordan and Jacobs 1994, the gating M-step of a hierarchical mixture).
 */
public sealed interface RoutingClassifier permits LogisticRouter, MlpRouter, SvmRouter {
    /** The kinds a configuration names. */
    enum Kind { LOGISTIC, MLP, SVM }

    Kind kind();

    /** P(left | z). */
    double probabilityLeft(double[] z);

    // z: (n, d)   target: (n) in [0, 1]   w: (n) row weights >= 0
    void fit(double[][] z, double[] target, double[] w);

    double[] parameters();

    void load(double[] parameters);

    RoutingClassifier copy();

    static RoutingClassifier create(HrmeConfig config, int features, long seed) {
        return switch (config.router()) {
            case LOGISTIC -> new LogisticRouter(features, config.routerL2());
            case MLP -> new MlpRouter(features, config.hiddenWidth(), config.mlpEpochs(), config.mlpLearningRate(), seed);
            case SVM -> new SvmRouter(features, config.svmC(), seed);
        };
    }
}
