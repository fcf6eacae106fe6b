package org.moe4j.experiment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.data.Mnist;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.fff.FastFeedForwardConfig;
import org.moe4j.fff.SingleTokenInference;
import org.moe4j.io.JsonRecords;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Adam;
import org.moe4j.train.ClassificationTask;
import org.moe4j.train.LearningRateSchedule;
import org.moe4j.train.ParameterGroups;
import org.moe4j.train.Trainer;
import org.moe4j.train.TrainingTask;

/**
 * The FFF paper's Table 1 grid on the bundled MNIST digits (Belcak and Wattenhofer 2023, section
 * 4.1): a feed-forward layer of width w (16, 32, 64, 128) against fast feedforward layers of the
 * same training width with leaf width l (1, 2, 4, 8) and depth log2(w / l), each the whole model
 * 784 -> 10. The FF of width w is the depth-0 tree with one leaf of width w, so both sides train
 * through the same code and infer through the same allocation-free single-input path.
 * Per cell: memorisation accuracy (on the 8,000 training digits) and generalisation accuracy (on
 * the 2,000 test digits), both with hard decisions, the test accuracy of the soft tree (how much
 * hardening loses), and the inference speedup of the FFF over the FF of its width, one input at a time.
 */
public final class FffMnistExperiment {
    private FffMnistExperiment() {}

    /**
     * Settings, validated. {@code hardeningStart} is the fraction of the training steps after which
     * the hardening loss is added (0: from the first step, as the reference code does); before it
     * the tree trains soft, so that its decisions are not pushed to 0 or 1 before they are useful.
     * {@code hardEpochs} more epochs then train a tree with hard decisions in its forward (each
     * input through its one leaf, as at inference), from the soft tree's weights, with a fresh Adam
     * and cosine schedule and no hardening loss; the FF of the same width trains for
     * epochs + hardEpochs, so both see the same number of passes.
     */
    public record Settings(int[] widths, int[] leafWidths, int epochs, int batchSize, double learningRate,
                           double hardeningWeight, double hardeningStart, int hardEpochs, long seed) {
        public Settings {
            for (int w : widths) if (w < 1) throw new IllegalArgumentException("width is " + w + ", must be >= 1");
            for (int l : leafWidths) if (l < 1) throw new IllegalArgumentException("leaf width is " + l + ", must be >= 1");
            if (epochs < 1) throw new IllegalArgumentException("epochs is " + epochs + ", must be >= 1");
            if (batchSize < 1 || batchSize > 8000) throw new IllegalArgumentException("batch size is " + batchSize + ", must be in [1, 8000]");
            if (!(learningRate > 0)) throw new IllegalArgumentException("learning rate is " + learningRate + ", must be > 0");
            if (!(hardeningWeight >= 0)) throw new IllegalArgumentException("hardening weight is " + hardeningWeight + ", must be >= 0");
            if (!(hardeningStart >= 0 && hardeningStart < 1)) {
                throw new IllegalArgumentException("hardening start is " + hardeningStart + ", must be in [0, 1) (a fraction of the steps)");
            }
            if (hardEpochs < 0) throw new IllegalArgumentException("hard epochs is " + hardEpochs + ", must be >= 0");
        }

        /** The settings before the hardening start existed: hardening from the first step. */
        public Settings(int[] widths, int[] leafWidths, int epochs, int batchSize, double learningRate, double hardeningWeight,
                        long seed) {
            this(widths, leafWidths, epochs, batchSize, learningRate, hardeningWeight, 0, 0, seed);
        }

        public static Settings defaults() {
            return new Settings(new int[] {16, 32, 64, 128}, new int[] {1, 2, 4, 8}, 20, 100, 5e-3, 0.1, 1);
        }

        public Map<String, Object> toJson() {
            return JsonRecords.toJson(this);
        }
    }

    /** One trained model: leafWidth == width and depth 0 for the FF. */
    public record Cell(int width, int leafWidth, int depth, double memorisation, double generalisation,
                       double softGeneralisation, double microsPerInput, double speedup, double trainSeconds) {
        public boolean isDense() {
            return depth == 0;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", isDense() ? "FF" : "FFF");
            m.put("width", (long) width);
            m.put("leaf_width", (long) leafWidth);
            m.put("depth", (long) depth);
            m.put("memorisation_accuracy", memorisation);
            m.put("generalisation_accuracy", generalisation);
            m.put("soft_generalisation_accuracy", softGeneralisation);
            m.put("microseconds_per_input", microsPerInput);
            m.put("speedup", speedup);
            m.put("train_seconds", trainSeconds);
            return m;
        }
    }

    /** Trains every cell of the grid, reporting each finished cell's line to {@code progress}. */
    public static List<Cell> run(Settings s, Consumer<String> progress) throws IOException {
        Mnist.Digits train = Mnist.train();
        Mnist.Digits test = Mnist.test();
        int features = train.rows() * train.cols();
        Tensor trainX = train.images().reshape(-1, features).copy();
        Tensor testX = test.images().reshape(-1, features).copy();
        MnistMlpExperiment.standardise(trainX, testX);
        List<Cell> cells = new ArrayList<>();
        for (int width : s.widths()) {
            Trained dense = trainOne(s, width, width, trainX, train.labels());
            Cell ff = evaluate(dense, null, width, trainX, train.labels(), testX, test.labels());
            cells.add(ff);
            progress.accept(line(ff));
            for (int leaf : s.leafWidths()) {
                if (leaf >= width || width % leaf != 0 || Integer.bitCount(width / leaf) != 1) continue;
                Trained fff = trainOne(s, width, leaf, trainX, train.labels());
                Cell c = evaluate(fff, dense.layer(), width, trainX, train.labels(), testX, test.labels());
                cells.add(c);
                progress.accept(line(c));
            }
        }
        return cells;
    }

    record Trained(FastFeedForward layer, double seconds) {}

    static Trained trainOne(Settings s, int width, int leaf, Tensor x, int[] labels) throws IOException {
        int depth = Integer.numberOfTrailingZeros(width / leaf);
        FastFeedForwardConfig config = FastFeedForwardConfig.of(x.cols(), leaf, 10, depth)
                .withHardeningWeight(s.hardeningWeight()).withSeed(s.seed() * 7919 + width * 31L + leaf);
        FastFeedForward layer = new FastFeedForward(config);
        long start = System.nanoTime();
        boolean hardPhase = depth > 0 && s.hardEpochs() > 0;
        fit(layer, s, x, labels, hardPhase ? s.epochs() : s.epochs() + s.hardEpochs(), s.hardeningStart(), s.seed());
        if (hardPhase) {
            FastFeedForward hard = new FastFeedForward(config.withHardTraining(true));
            hard.loadStateDict(layer.stateDict());
            fit(hard, s, x, labels, s.hardEpochs(), -1, s.seed() + 1);
            layer = hard;
        }
        return new Trained(layer, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Adam with the settings' learning rate, cosine-decayed over {@code epochs}; the hardening loss
     * from the fraction {@code hardeningStart} of the steps on (never if it is negative).
     */
    private static void fit(FastFeedForward layer, Settings s, Tensor x, int[] labels, int epochs, double hardeningStart,
                            long seed) throws IOException {
        ClassificationTask classification = new ClassificationTask(layer, layer::forward, x, labels, s.batchSize(), seed,
                List.of());
        long steps = (long) epochs * classification.stepsPerEpoch();
        long hardeningFrom = hardeningStart < 0 ? Long.MAX_VALUE : (long) Math.ceil(hardeningStart * steps);
        TrainingTask task = new TrainingTask() {
            @Override
            public Module model() {
                return layer;
            }

            @Override
            public Variable loss(long step) {
                Variable loss = classification.loss(step);
                return step < hardeningFrom ? loss : Arithmetic.add(loss, layer.hardeningLoss());
            }

            @Override
            public List<Rng> generators() {
                return List.of();
            }
        };
        Adam adam = new Adam(ParameterGroups.standard(layer, s.learningRate(), 0), Adam.Config.adam());
        Trainer trainer = new Trainer(task, adam, new Trainer.Config(steps, 0, LearningRateSchedule.warmupCosine(0, steps, 0.05),
                null, 0), s.toJson());
        trainer.run((step, loss, gradNorm, lr) -> {});
    }

    private static Cell evaluate(Trained trained, FastFeedForward dense, int width, Tensor trainX,
                                int[] trainLabels, Tensor testX, int[] testLabels) {
        FastFeedForward model = trained.layer();
        double seconds = trained.seconds();
        double memorisation = ClassificationTask.accuracy(model, model::forward, trainX, trainLabels);
        double generalisation = ClassificationTask.accuracy(model, model::forward, testX, testLabels);
        double soft = ClassificationTask.accuracy(model, v -> model.soft(v).output(), testX, testLabels);
        double[] micros = microsPerInput(model, dense == null ? model : dense, testX);
        FastFeedForwardConfig c = model.config();
        return new Cell(width, c.leafWidth(), c.depth(), memorisation, generalisation, soft, micros[0], micros[1] / micros[0],
                seconds);
    }

    /**
     * Median time of one hard single-input inference of each model, cycling through the test
     * digits, the two models timed in alternating passes so that load on a shared machine falls on both.
     */
    static double[] microsPerInput(FastFeedForward model, FastFeedForward dense, Tensor x) {
        SingleTokenInference[] paths = {model.singleToken(), dense.singleToken()};
        float[] y = new float[model.config().outputWidth()];
        int in = x.cols();
        int rows = x.rows();
        int runs = 15;
        double[][] perRun = new double[2][runs];
        for (int run = -5; run < runs; run++) {
            for (int m = 0; m < 2; m++) {
                long t0 = System.nanoTime();
                for (int r = 0; r < rows; r++) paths[m].infer(x.data(), x.offset() + r * in, y, 0);
                if (run >= 0) perRun[m][run] = (System.nanoTime() - t0) / 1e3 / rows;
            }
        }
        java.util.Arrays.sort(perRun[0]);
        java.util.Arrays.sort(perRun[1]);
        return new double[] {perRun[0][runs / 2], perRun[1][runs / 2]};
    }

    static String line(Cell c) {
        return c.isDense()
                ? String.format(Locale.ROOT, "FF  w=%-3d               M_A %.3f  G_A %.3f  %.3f us/input  (trained in %.1f s)",
                        c.width(), c.memorisation(), c.generalisation(), c.microsPerInput(), c.trainSeconds())
                : String.format(Locale.ROOT, "FFF w=%-3d l=%d depth %d   M_A %.3f  G_A %.3f (soft %.3f)  %.3f us/input  speedup %.1fx  (trained in %.1f s)",
                        c.width(), c.leafWidth(), c.depth(), c.memorisation(), c.generalisation(), c.softGeneralisation(),
                        c.microsPerInput(), c.speedup(), c.trainSeconds());
    }

    /** The grid as a markdown table, one row per width: FF, then FFF per leaf width (M_A / G_A / speedup). */
    public static String markdownTable(List<Cell> cells, int[] leafWidths) {
        StringBuilder sb = new StringBuilder("| w | FF M_A | FF G_A |");
        for (int l : leafWidths) sb.append(" FFF l=").append(l).append(" M_A / G_A / speedup |");
        sb.append('\n').append("|---|---|---|");
        for (int ignored : leafWidths) sb.append("---|");
        sb.append('\n');
        for (Cell ff : cells) {
            if (!ff.isDense()) continue;
            sb.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f |", ff.width(), 100 * ff.memorisation(), 100 * ff.generalisation()));
            for (int l : leafWidths) {
                Cell c = cells.stream().filter(x -> !x.isDense() && x.width() == ff.width() && x.leafWidth() == l).findFirst().orElse(null);
                sb.append(c == null ? " - |" : String.format(Locale.ROOT, " %.1f / %.1f / %.1fx |", 100 * c.memorisation(),
                        100 * c.generalisation(), c.speedup()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
