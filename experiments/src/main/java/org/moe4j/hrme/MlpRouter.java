package org.moe4j.hrme;

/** A router that is a small one-hidden-layer network with a logistic output ({@link SmallMlp}). */
public final class MlpRouter implements RoutingClassifier {
    private final int epochs;
    private final double learningRate;
    private final long seed;
    private SmallMlp net;
    private int fits;

    MlpRouter(int features, int hidden, int epochs, double learningRate, long seed) {
        this.epochs = epochs;
        this.learningRate = learningRate;
        this.seed = seed;
        this.net = new SmallMlp(features, hidden, SmallMlp.Loss.LOGISTIC, seed);
    }

    @Override
    public Kind kind() {
        return Kind.MLP;
    }

    @Override
    public double probabilityLeft(double[] z) {
        return net.predict(z);
    }

    @Override
    public void fit(double[][] z, double[] target, double[] w) {
        net.fit(z, target, w, epochs, learningRate, seed + 104729L * ++fits);
    }

    @Override
    public double[] parameters() {
        return net.theta.clone();
    }

    @Override
    public void load(double[] parameters) {
        net.load(parameters, "MLP router");
    }

    @Override
    public RoutingClassifier copy() {
        MlpRouter c = new MlpRouter(net.features, net.hidden, epochs, learningRate, seed);
        c.net = net.copy();
        c.fits = fits;
        return c;
    }
}
