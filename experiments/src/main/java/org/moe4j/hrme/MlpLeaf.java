package org.moe4j.hrme;

/** A leaf expert that is a small one-hidden-layer network ({@link SmallMlp}, squared loss). */
public final class MlpLeaf implements LeafRegressor {
    private final int epochs;
    private final double learningRate;
    private final long seed;
    private SmallMlp net;
    private int fits;

    MlpLeaf(int features, int hidden, int epochs, double learningRate, long seed) {
        this.epochs = epochs;
        this.learningRate = learningRate;
        this.seed = seed;
        this.net = new SmallMlp(features, hidden, SmallMlp.Loss.SQUARED, seed);
    }

    @Override
    public Kind kind() {
        return Kind.MLP;
    }

    @Override
    public double predict(double[] z) {
        return net.predict(z);
    }

    /** Continues from the current weights (an M-step starts where the last one ended). */
    @Override
    public void fit(double[][] z, double[] y, double[] w) {
        net.fit(z, y, w, epochs, learningRate, seed + 7919L * ++fits);
    }

    @Override
    public double[] parameters() {
        return net.theta.clone();
    }

    @Override
    public void load(double[] parameters) {
        net.load(parameters, "MLP leaf");
    }

    @Override
    public LeafRegressor copy() {
        MlpLeaf c = new MlpLeaf(net.features, net.hidden, epochs, learningRate, seed);
        c.net = net.copy();
        c.fits = fits;
        return c;
    }
}
