package org.moe4j.hrme;

/**
 * A leaf expert of the tree: a regressor f(z) of the standardised inputs, fitted by weighted least
 * squares (the M-step for a Gaussian leaf: maximise sum_i h_i log N(y_i; f(z_i), s^2) over f).
 */
public sealed interface LeafRegressor permits LinearLeaf, MlpLeaf {
    /** The kinds a configuration names. */
    enum Kind { LINEAR, MLP }

    Kind kind();

    double predict(double[] z);

    // z: (n, d)   y: (n)   w: (n) non-negative row weights
    void fit(double[][] z, double[] y, double[] w);

    /** Every parameter, flattened (for saving). */
    double[] parameters();

    /** Restores {@link #parameters()}; the length must match. */
    void load(double[] parameters);

    LeafRegressor copy();

    static LeafRegressor create(HrmeConfig config, int features, long seed) {
        return switch (config.leaf()) {
            case LINEAR -> new LinearLeaf(features, config.ridge());
            case MLP -> new MlpLeaf(features, config.hiddenWidth(), config.mlpEpochs(), config.mlpLearningRate(), seed);
        };
    }
}
