package org.moe4j.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.JsonRecords;
import org.moe4j.train.Adam;
import org.moe4j.train.ParameterGroup;
import org.moe4j.tensor.Rng;

/**
 * Reproduces the synthetic experiment of Chen, Deng, Wu, Gu and Li, "Towards Understanding Mixture
 * of Experts in Deep Learning" (NeurIPS 2022), Setting 1 ({@link Chen2022Data}), with the training
 * recipe of the authors' notebook:
 * <ul>
 *   <li>single models: one {@link PatchFilterNetwork} of 2 x 40 filters (linear or cubic), PyTorch's
 *       default initialisation, full-batch Adam (lr 0.003 linear, 0.01 cubic; L2 weight decay 5e-4),
 *       cross-entropy on its two logits, up to 801 epochs, stopped after epoch 500 once the loss
 *       rises 0.02 above its minimum;</li>
 *   <li>MoEs: {@link Chen2022Moe} with 8 experts of 2 x 8 filters (linear or cubic) initialised at
 *       0.001 of the default, experts by normalised gradient descent (lr 0.001), the router by
 *       gradient descent (lr 0.1), full batch, up to 601 epochs, stopped once the loss rises 0.02
 *       above its minimum (or, after a rise, falls to 0.314, the floor of the authors' loss);</li>
 *   <li>test accuracy on the test set; the router keeps its noise at evaluation, as in the
 *       authors' code (it never switches to evaluation mode);</li>
 *   <li>dispatch entropy of the last training pass's dispatch matrix D (cluster by expert):
 *       sum_e (n_e / N) H(cluster | expert e), H in nats (0: every expert sees one cluster;
 *       ln 4 = 1.386: every expert sees all four equally).</li>
 * </ul>
 * Every seed draws its own data set and initialisation.
 */
public final class Chen2022Experiment {
    private Chen2022Experiment() {}

    /** The four models of the paper's table. */
    public enum Model {
        SINGLE_LINEAR("single (linear)", false, false),
        SINGLE_NONLINEAR("single (non-linear)", false, true),
        MOE_LINEAR("MoE (linear)", true, false),
        MOE_NONLINEAR("MoE (non-linear)", true, true);

        private final String label;
        private final boolean moe;
        private final boolean cubic;

        Model(String label, boolean moe, boolean cubic) {
            this.label = label;
            this.moe = moe;
            this.cubic = cubic;
        }

        public String label() {
            return label;
        }

        public boolean moe() {
            return moe;
        }
    }

    /** Settings, validated; {@link #paper()} is Setting 1 as published. */
    public record Settings(int seeds, long firstSeed, int trainSize, int testSize, int experts, int expertFiltersPerClass,
                           int singleFiltersPerClass, int moeEpochs, int singleEpochs, double expertLr, double routerLr,
                           double singleLinearLr, double singleNonlinearLr, double singleWeightDecay) {
        public Settings {
            positive("seeds", seeds);
            positive("training examples", trainSize);
            positive("test examples", testSize);
            positive("experts", experts);
            positive("expert filters per class", expertFiltersPerClass);
            positive("single-model filters per class", singleFiltersPerClass);
            positive("MoE epochs", moeEpochs);
            positive("single-model epochs", singleEpochs);
        }

        private static void positive(String name, int value) {
            if (value < 1) throw new IllegalArgumentException("chen2022: " + name + " is " + value + ", must be >= 1");
        }

        public static Settings paper(int seeds) {
            return new Settings(seeds, 1, 16_000, 16_000, 8, 8, 40, 601, 801, 1e-3, 0.1, 3e-3, 1e-2, 5e-4);
        }

        public Map<String, Object> toJson() {
            return JsonRecords.toJson(this);
        }
    }

    /**
     * One model trained on one seed.
     *
     * @param dispatch (clusters, experts) training examples of each cluster sent to each expert in
     *                 the last training pass; one column for a single model
     * @param entropy  dispatch entropy in nats (0 for a single model)
     */
    public record Run(Model model, long seed, double testAccuracy, double trainAccuracy, double finalLoss, int epochs,
                      int[][] dispatch, double entropy, double seconds) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.label());
            m.put("seed", seed);
            m.put("test_accuracy", testAccuracy);
            m.put("train_accuracy", trainAccuracy);
            m.put("final_loss", finalLoss);
            m.put("epochs", (long) epochs);
            m.put("dispatch_entropy", entropy);
            List<Object> rows = new ArrayList<>();
            for (int[] r : dispatch) {
                List<Object> row = new ArrayList<>();
                for (int c : r) row.add((long) c);
                rows.add(row);
            }
            m.put("dispatch", rows);
            m.put("seconds", seconds);
            return m;
        }
    }

    /** Mean and sample standard deviation of a model's runs. */
    public record Summary(Model model, int runs, double accuracyMean, double accuracyStd, double entropyMean,
                          double entropyStd) {
        static Summary of(Model model, List<Run> runs) {
            double[] acc = runs.stream().mapToDouble(Run::testAccuracy).toArray();
            double[] ent = runs.stream().mapToDouble(Run::entropy).toArray();
            return new Summary(model, runs.size(), mean(acc), std(acc), mean(ent), std(ent));
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.label());
            m.put("runs", (long) runs);
            m.put("test_accuracy_mean", accuracyMean);
            m.put("test_accuracy_std", accuracyStd);
            m.put("dispatch_entropy_mean", entropyMean);
            m.put("dispatch_entropy_std", entropyStd);
            return m;
        }
    }

    /** Called after every finished run. */
    @FunctionalInterface
    public interface Listener {
        void finished(Run run);
    }

    /** Every model on every seed, and each model's summary (in {@link Model} order). */
    public record Result(List<Run> runs, List<Summary> summaries) {
        public Map<String, Object> toJson(Settings s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("experiment", "chen2022");
            m.put("settings", s.toJson());
            List<Object> sums = new ArrayList<>();
            for (Summary x : summaries) sums.add(x.toJson());
            m.put("summary", sums);
            List<Object> all = new ArrayList<>();
            for (Run r : runs) all.add(r.toJson());
            m.put("runs", all);
            return m;
        }
    }

    public static Result run(Settings s, List<Model> models, Listener listener) {
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < s.seeds(); i++) {
            long seed = s.firstSeed() + i;
            Chen2022Data.Split data = Chen2022Data.setting1(seed, s.trainSize(), s.testSize());
            for (Model m : models) {
                Run r = m.moe() ? trainMoe(s, m, data, seed) : trainSingle(s, m, data, seed);
                runs.add(r);
                listener.finished(r);
            }
        }
        List<Summary> summaries = new ArrayList<>();
        for (Model m : models) summaries.add(Summary.of(m, runs.stream().filter(r -> r.model() == m).toList()));
        return new Result(runs, summaries);
    }

    static Run trainMoe(Settings s, Model model, Chen2022Data.Split data, long seed) {
        long t0 = System.nanoTime();
        Rng rng = new Rng(seed * 1_000_003L + model.ordinal());
        Chen2022Data train = data.train();
        Chen2022Moe moe = new Chen2022Moe(s.experts(), s.expertFiltersPerClass(), train.patchLength(), model.cubic, 1e-3, rng);
        float[] sums = train.patchSums();
        double min = Double.POSITIVE_INFINITY;
        double loss = Double.NaN;
        Chen2022Moe.Pass pass = null;
        int epoch = 0;
        for (; epoch < s.moeEpochs(); epoch++) {
            pass = moe.forward(train, sums, rng);
            loss = moe.loss(pass, train, sums, true);
            if (loss <= min) {
                min = loss;
            } else if (loss > min + 0.02 || loss <= 0.314) {
                break;
            }
            moe.step(s.expertLr(), s.routerLr());
        }
        int[][] dispatch = dispatchMatrix(train, pass.choice(), s.experts());
        double trainAcc = accuracy(train, pass);
        Chen2022Data test = data.test();
        double testAcc = accuracy(test, moe.forward(test, test.patchSums(), rng));
        return new Run(model, seed, testAcc, trainAcc, loss, Math.min(epoch + 1, s.moeEpochs()), dispatch,
                dispatchEntropy(dispatch), (System.nanoTime() - t0) / 1e9);
    }

    static Run trainSingle(Settings s, Model model, Chen2022Data.Split data, long seed) {
        long t0 = System.nanoTime();
        Rng rng = new Rng(seed * 1_000_003L + model.ordinal());
        Chen2022Data train = data.train();
        PatchFilterNetwork net = new PatchFilterNetwork(s.singleFiltersPerClass(), train.patchLength(), model.cubic, 1.0, rng);
        double lr = model.cubic ? s.singleNonlinearLr() : s.singleLinearLr();
        Adam adam = new Adam(List.of(new ParameterGroup("single", Map.of("weight", net.weight(), "bias", net.bias()), lr,
                s.singleWeightDecay())), Adam.Config.adam());
        double min = Double.POSITIVE_INFINITY;
        double loss = Double.NaN;
        int n = train.size();
        int epoch = 0;
        for (; epoch < s.singleEpochs(); epoch++) {
            PatchFilterNetwork.Pass pass = net.forward(train.x(), 0, n, train.patches());
            float[] dLogits = new float[n * 2];
            loss = crossEntropy(pass.logits(), train.label(), dLogits);
            if (loss <= min) {
                min = loss;
            } else if (epoch > 500 && loss > min + 0.02) {
                break;
            }
            adam.zeroGrad();
            net.backward(pass, train.x(), 0, train.patches(), dLogits);
            adam.step();
        }
        double trainAcc = accuracy(train, net.forward(train.x(), 0, n, train.patches()).logits());
        Chen2022Data test = data.test();
        double testAcc = accuracy(test, net.forward(test.x(), 0, test.size(), test.patches()).logits());
        int[][] dispatch = dispatchMatrix(train, new int[n], 1);
        return new Run(model, seed, testAcc, trainAcc, loss, Math.min(epoch + 1, s.singleEpochs()), dispatch, 0,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Mean cross-entropy of two-class logits; fills dLogits with its gradient. */
    // logits: (N, 2)
    static double crossEntropy(float[] logits, int[] label, float[] dLogits) {
        int n = label.length;
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double a = logits[i * 2];
            double b = logits[i * 2 + 1];
            double lse = Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
            loss += lse - (label[i] == 0 ? a : b);
            double p0 = Math.exp(a - lse);
            dLogits[i * 2] = (float) ((p0 - (label[i] == 0 ? 1 : 0)) / n);
            dLogits[i * 2 + 1] = (float) ((1 - p0 - (label[i] == 1 ? 1 : 0)) / n);
        }
        return loss / n;
    }

    /** Percent of examples whose larger logit is their label's. */
    static double accuracy(Chen2022Data data, float[] logits) {
        int correct = 0;
        for (int i = 0; i < data.size(); i++) {
            int predicted = logits[i * 2 + 1] > logits[i * 2] ? 1 : 0;
            if (predicted == data.label()[i]) correct++;
        }
        return 100.0 * correct / data.size();
    }

    private static double accuracy(Chen2022Data data, Chen2022Moe.Pass pass) {
        return accuracy(data, pass.scores());
    }

    // choice: (N)   out: (clusters, experts)
    static int[][] dispatchMatrix(Chen2022Data data, int[] choice, int experts) {
        int[][] d = new int[data.clusters()][experts];
        for (int i = 0; i < data.size(); i++) d[data.cluster()[i]][choice[i]]++;
        return d;
    }

    /**
     * Dispatch entropy as the authors compute it: with n_e the examples expert e receives,
     * sum_e (n_e / N) * -sum_k (D_ke / n_e) ln(D_ke / n_e); experts receiving nothing count 0.
     */
    // dispatch: (clusters, experts)
    public static double dispatchEntropy(int[][] dispatch) {
        int experts = dispatch[0].length;
        double total = 0;
        for (int[] r : dispatch) for (int c : r) total += c;
        double entropy = 0;
        for (int e = 0; e < experts; e++) {
            double n = 0;
            for (int[] r : dispatch) n += r[e];
            if (n == 0) continue;
            double h = 0;
            for (int[] r : dispatch) {
                if (r[e] > 0) h -= r[e] / n * Math.log(r[e] / n);
            }
            entropy += n / total * h;
        }
        return entropy;
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v);
        double s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }
}
