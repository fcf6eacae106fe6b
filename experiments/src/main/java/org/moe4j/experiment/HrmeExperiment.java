package org.moe4j.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.hrme.HrmeConfig;
import org.moe4j.hrme.HrmeModel;
import org.moe4j.hrme.HrmeTrainer;
import org.moe4j.hrme.RegressionData;
import org.moe4j.io.JsonRecords;

/**
 * Reproduces the regression comparison of Zhao, Gao, Memon, Raj and Singh, "Hierarchical Routing
 * Mixture of Experts" (ICPR 2020, arXiv 1903.07756) on three data sets ({@link RegressionSets}):
 * HRME (hard and soft prediction) against least squares, a softmax-gated mixture of linear experts
 * trained by EM and a one-hidden-layer MLP, each scored by MAE and RMSE on its training and test
 * rows. scikit-learn's random forest and SVR run on the same splits from a script
 * (bench/scripts/hrme_sklearn_baselines.py, fed by the rows this class exports).
 */
public final class HrmeExperiment {
    private HrmeExperiment() {}

    /** The data sets, in the order they are run and reported. */
    public enum DataSet {
        THREE_LINES("three_lines"), DIABETES("diabetes"), FRIEDMAN1("friedman1");

        private final String key;

        DataSet(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    /**
     * @param seed          seed of the data, the splits and every model
     * @param friedmanRows  rows of Friedman #1 before the split, >= 20
     * @param dataSets      which data sets to run, in order
     * @param hrme          HRME's settings for each data set (in {@link DataSet} order)
     * @param moleExperts   experts of the mixture of linear experts, >= 1
     * @param mlpHidden     hidden units of the MLP baseline, >= 1
     * @param mlpEpochs     epochs of the MLP baseline, >= 1
     */
    public record Settings(long seed, int friedmanRows, List<DataSet> dataSets, List<HrmeConfig> hrme, int moleExperts,
                           int mlpHidden, int mlpEpochs) {
        public Settings {
            if (friedmanRows < 20) throw new IllegalArgumentException("hrme experiment: friedmanRows is " + friedmanRows + ", must be >= 20");
            if (dataSets == null || dataSets.isEmpty()) {
                throw new IllegalArgumentException("hrme experiment: no data sets, choose from " + java.util.Arrays.toString(DataSet.values()));
            }
            if (hrme == null || hrme.size() != DataSet.values().length) {
                throw new IllegalArgumentException("hrme experiment: " + (hrme == null ? 0 : hrme.size())
                        + " HRME configurations, need one per data set (" + DataSet.values().length + ")");
            }
            if (moleExperts < 1) throw new IllegalArgumentException("hrme experiment: moleExperts is " + moleExperts + ", must be >= 1");
            if (mlpHidden < 1) throw new IllegalArgumentException("hrme experiment: mlpHidden is " + mlpHidden + ", must be >= 1");
            if (mlpEpochs < 1) throw new IllegalArgumentException("hrme experiment: mlpEpochs is " + mlpEpochs + ", must be >= 1");
            dataSets = List.copyOf(dataSets);
            hrme = List.copyOf(hrme);
        }

        /** The published comparison: 20,000 Friedman rows; the HRME settings of docs/results.md. */
        public static Settings standard() {
            HrmeConfig base = HrmeConfig.defaults();
            return new Settings(0, 20_000, List.of(DataSet.values()),
                    List.of(base.withDepth(5).withMinLeafRows(30).withMinGain(0.05).withEm(300).withEmTolerance(1e-7),
                            base.withDepth(2).withMinLeafRows(40).withMinGain(0.05),
                            base.withDepth(5).withMinLeafRows(100).withThresholds(16).withEm(150).withSplitEmSteps(3)),
                    4, 64, 200);
        }

        public HrmeConfig hrmeFor(DataSet d) {
            return hrme.get(d.ordinal());
        }
    }

    /** MAE and RMSE of one model on one data set's training and test rows. */
    public record Scores(double trainMae, double trainRmse, double testMae, double testRmse) {
        static Scores of(double[] trainPred, RegressionData train, double[] testPred, RegressionData test) {
            return new Scores(mae(trainPred, train.y()), rmse(trainPred, train.y()), mae(testPred, test.y()),
                    rmse(testPred, test.y()));
        }

        public Map<String, Object> toJson() {
            return JsonRecords.toJson(this);
        }
    }

    /** The models of the table, in order, with their JSON keys. */
    public static final List<String> MODELS = List.of("hrme_hard", "hrme_soft", "linear", "mixture_of_linear_experts", "mlp");

    /** One data set's scores (by model key), its trained tree and the seconds HRME took. */
    public record DataSetResult(DataSet dataSet, RegressionSets.Split split, Map<String, Scores> scores, HrmeTrainer.Fit fit) {
        public HrmeModel model() {
            return fit.model();
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String k : MODELS) m.put(k, scores.get(k).toJson());
            Map<String, Object> tree = new LinkedHashMap<>(fit.model().describe());
            tree.put("growth_seconds", fit.growthSeconds());
            tree.put("em_seconds", fit.emSeconds());
            tree.put("em_iterations", (long) fit.emIterations());
            tree.put("log_likelihood_per_row", new ArrayList<Object>(fit.logLikelihoods()));
            m.put("tree", tree);
            m.put("train_rows", (long) split.train().rows());
            m.put("test_rows", (long) split.test().rows());
            return m;
        }
    }

    /** Called as each model finishes. */
    @FunctionalInterface
    public interface Listener {
        void finished(DataSet dataSet, String model, double seconds);
    }

    public static RegressionSets.Split load(DataSet d, Settings s) {
        return switch (d) {
            case THREE_LINES -> RegressionSets.split(d.key(), RegressionSets.threeLines(s.seed()), 0.7, s.seed() + 1);
            case DIABETES -> RegressionSets.split(d.key(), RegressionSets.diabetes(), 0.7, s.seed() + 2);
            case FRIEDMAN1 -> RegressionSets.split(d.key(), RegressionSets.friedman1(s.friedmanRows(), 1.0, s.seed() + 3), 0.7,
                    s.seed() + 4);
        };
    }

    public static List<DataSetResult> run(Settings s, Listener listener) {
        List<DataSetResult> out = new ArrayList<>();
        for (DataSet d : s.dataSets()) out.add(run(d, load(d, s), s, listener));
        return out;
    }

    static DataSetResult run(DataSet d, RegressionSets.Split split, Settings s, Listener listener) {
        RegressionData train = split.train(), test = split.test();
        Map<String, Scores> scores = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        HrmeTrainer.Fit fit = HrmeTrainer.train(train, s.hrmeFor(d));
        HrmeModel m = fit.model();
        scores.put("hrme_hard", Scores.of(m.predictHard(train.x()), train, m.predictHard(test.x()), test));
        scores.put("hrme_soft", Scores.of(m.predictSoft(train.x()), train, m.predictSoft(test.x()), test));
        listener.finished(d, "hrme", seconds(t0));
        t0 = System.nanoTime();
        score(scores, "linear", RegressionBaselines.linear(train), train, test);
        listener.finished(d, "linear", seconds(t0));
        t0 = System.nanoTime();
        score(scores, "mixture_of_linear_experts", MixtureOfLinearExperts.fit(train, s.moleExperts(), 200, 3, s.seed() + 5),
                train, test);
        listener.finished(d, "mixture_of_linear_experts", seconds(t0));
        t0 = System.nanoTime();
        score(scores, "mlp", RegressionBaselines.mlp(train, s.mlpHidden(), s.mlpEpochs(), 3e-3, s.seed() + 6), train, test);
        listener.finished(d, "mlp", seconds(t0));
        return new DataSetResult(d, split, scores, fit);
    }

    private static void score(Map<String, Scores> scores, String key, RegressionBaselines.Regressor r, RegressionData train,
                              RegressionData test) {
        scores.put(key, Scores.of(r.predict(train.x()), train, r.predict(test.x()), test));
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    public static Map<String, Object> toJson(Settings s, List<DataSetResult> results) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", "hrme");
        m.put("seed", s.seed());
        m.put("friedman_rows", (long) s.friedmanRows());
        for (DataSetResult r : results) m.put(r.dataSet().key(), r.toJson());
        return m;
    }

    static double mae(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += Math.abs(p[i] - y[i]);
        return s / y.length;
    }

    static double rmse(double[] p, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += (p[i] - y[i]) * (p[i] - y[i]);
        return Math.sqrt(s / y.length);
    }
}
