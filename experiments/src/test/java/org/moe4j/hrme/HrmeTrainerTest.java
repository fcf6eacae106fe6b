package org.moe4j.hrme;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class HrmeTrainerTest {
    /** y = 2x + 10 on x in [0, 1] and y = -3x on [2, 3], noise sd 0.05: one split on y, routable by x. */
    static RegressionData twoSegments(int n, long seed) {
        Rng rng = new Rng(seed);
        double[][] x = new double[n][1];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            boolean first = i % 2 == 0;
            x[i][0] = (first ? 0 : 2) + rng.nextDouble();
            y[i] = (first ? 2 * x[i][0] + 10 : -3 * x[i][0]) + 0.05 * rng.nextGaussian();
        }
        return new RegressionData(x, y);
    }

    private static double mae(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += Math.abs(p[i] - y[i]);
        return s / y.length;
    }

    @Test
    void splitsTwoSegmentsAndPredictsEachWithItsOwnLine() {
        RegressionData train = twoSegments(400, 1), test = twoSegments(200, 2);
        // a second Gaussian always gains a little likelihood on a finite sample of one line: 0.1 nats per row is noise
        HrmeTrainer.Fit fit = HrmeTrainer.train(train, HrmeConfig.defaults().withDepth(3).withMinGain(0.1));
        HrmeModel m = fit.model();
        assertEquals(2, m.leafCount(), m.toText());
        // after the split's local EM each child holds exactly one segment's 200 rows, whichever
        // threshold the scan started from
        assertEquals(200, m.root.left.grownRows, m.toText());
        assertEquals(200, m.root.right.grownRows, m.toText());
        // one line through both segments leaves an MAE above 2; each leaf's own line leaves the noise (0.04)
        assertTrue(mae(m.predictHard(test.x()), test.y()) < 0.1, "hard MAE " + mae(m.predictHard(test.x()), test.y()));
        assertTrue(mae(m.predictSoft(test.x()), test.y()) < 0.1, "soft MAE " + mae(m.predictSoft(test.x()), test.y()));
        HrmeModel line = HrmeTrainer.train(train, HrmeConfig.defaults().withDepth(0)).model();
        assertTrue(mae(line.predictHard(test.x()), test.y()) > 2);
    }

    @Test
    void predictionsAreTheMixtureOfTheLeaves() {
        RegressionData train = twoSegments(300, 3);
        HrmeModel m = HrmeTrainer.train(train, HrmeConfig.defaults().withDepth(2).withMinLeafRows(10).withMinGain(0)).model();
        double[][] g = m.leafProbabilities(train.x()), f = m.leafPredictions(train.x());
        double[] soft = m.predictSoft(train.x()), hard = m.predictHard(train.x());
        for (int i = 0; i < train.rows(); i++) {
            double sum = 0, mix = 0;
            int best = 0;
            for (int l = 0; l < g[i].length; l++) {
                sum += g[i][l];
                mix += g[i][l] * f[i][l];
                if (g[i][l] > g[i][best]) best = l;
            }
            assertEquals(1, sum, 1e-12);
            assertEquals(mix, soft[i], 1e-9);
            assertEquals(f[i][best], hard[i], 0);
        }
    }

    @Test
    void emNeverLowersTheLikelihoodAndRaisesItAfterGrowth() {
        Rng rng = new Rng(4);
        int n = 600;
        double[][] x = new double[n][1];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = -3 + 6 * rng.nextDouble();
            // two crossing lines: the y-interval growth starts from a poor partition and EM must fix it
            y[i] = (i % 2 == 0 ? x[i][0] : -x[i][0]) + 0.1 * rng.nextGaussian();
        }
        HrmeTrainer.Fit fit = HrmeTrainer.train(new RegressionData(x, y),
                HrmeConfig.defaults().withDepth(2).withSplitEmSteps(0).withEm(100));
        List<Double> ll = fit.logLikelihoods();
        for (int k = 1; k < ll.size(); k++) assertTrue(ll.get(k) >= ll.get(k - 1), "EM step " + k + " lowered " + ll);
        assertTrue(ll.getLast() > ll.getFirst() + 0.3, ll.toString());
        assertEquals(fit.model().meanLogLikelihood(new RegressionData(x, y)), ll.getLast(), 1e-9);
    }

    @Test
    void badDataIsRefusedWithAMessageNamingTheProblem() {
        double[][] x = {{1}, {2}, {3}};
        assertMessage(() -> new RegressionData(x, new double[] {1, Double.NaN, 3}), "y[1] is NaN");
        assertMessage(() -> new RegressionData(new double[][] {{1}, {Double.POSITIVE_INFINITY}, {3}}, new double[3]),
                "x[1][0] is Infinity");
        assertMessage(() -> new RegressionData(new double[][] {{1}, {2, 3}}, new double[2]), "row 1 has 2 features but row 0 has 1");
        assertMessage(() -> new RegressionData(x, new double[2]), "3 rows of x but 2 targets");
        assertMessage(() -> new RegressionData(new double[0][], new double[0]), "no rows");
        assertMessage(() -> HrmeTrainer.train(new RegressionData(x, new double[] {4, 4, 4}), HrmeConfig.defaults().withDepth(0)),
                "the target y is constant (every one of the 3 rows has y = 4.0)");
        assertMessage(() -> HrmeTrainer.train(twoSegments(30, 1), HrmeConfig.defaults()),
                "30 training rows are too few for a split, which needs 2 x minLeafRows = 40");
        assertMessage(() -> HrmeTrainer.train(new RegressionData(new double[][] {{1}}, new double[] {1}), HrmeConfig.defaults().withDepth(0)),
                "1 training row; at least 2");
        HrmeModel m = HrmeTrainer.train(twoSegments(100, 1), HrmeConfig.defaults()).model();
        assertMessage(() -> m.predictSoft(new double[][] {{1, 2}}), "row 0 has 2 features, the model was trained on 1");
        assertMessage(() -> m.predictHard(new double[][] {{Double.NaN}}), "x[0][0] is NaN");
    }

    @Test
    void configurationsAreCheckedFieldByField() {
        assertMessage(() -> HrmeConfig.defaults().withDepth(17), "maxDepth is 17, must be in [0, 16]");
        assertMessage(() -> HrmeConfig.defaults().withMinLeafRows(1), "minLeafRows is 1, must be >= 2");
        assertMessage(() -> HrmeConfig.defaults().withMinGain(-1), "minGain is -1, must be finite and >= 0");
        assertMessage(() -> HrmeConfig.defaults().withThresholds(0), "thresholds is 0, must be >= 1");
        assertMessage(() -> HrmeConfig.defaults().withEm(-1), "emIterations is -1, must be >= 0");
        assertMessage(() -> HrmeConfig.defaults().withMlp(0, 1, 0.1), "hiddenWidth is 0, must be >= 1");
        assertMessage(() -> HrmeConfig.defaults().withExperts(null, LeafRegressor.Kind.LINEAR), "router is null, must be one of [LOGISTIC, MLP, SVM]");
    }

    @Test
    void mlpExpertsTrainAndBeatOneLineOnASine() {
        Rng rng = new Rng(8);
        int n = 600;
        double[][] x = new double[n][1];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i][0] = -3 + 6 * rng.nextDouble();
            y[i] = 4 * Math.sin(x[i][0]) + 0.1 * rng.nextGaussian();
        }
        RegressionData data = new RegressionData(x, y);
        HrmeConfig config = HrmeConfig.defaults().withDepth(1).withThresholds(4).withSplitEmSteps(1).withEm(3)
                .withExperts(RoutingClassifier.Kind.MLP, LeafRegressor.Kind.MLP).withMlp(8, 60, 0.02);
        HrmeModel m = HrmeTrainer.train(data, config).model();
        HrmeModel line = HrmeTrainer.train(data, HrmeConfig.defaults().withDepth(0)).model();
        double mlp = mae(m.predictSoft(x), y), linear = mae(line.predictSoft(x), y);
        assertTrue(mlp < 0.4 * linear, "MLP experts " + mlp + " vs one line " + linear);
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
