package org.moe4j.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.moe4j.data.CorpusSource;
import org.moe4j.data.TokenCorpus;
import org.moe4j.data.TokenizerSpec;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.RunFolder;
import org.moe4j.text.Tokenizer;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;
import org.moe4j.train.MetricsLog;
import org.moe4j.train.StepMetrics;

/**
 * The experiment that justifies MoE: on Moby Dick (characters), three models with the same
 * attention and width trained for the same number of steps (so the same tokens) with the same
 * schedule: a dense SwiGLU model, an MoE model whose experts give it the same active parameters
 * per token (k experts of hidden h against one dense block of hidden k h) and E/k times the
 * feed-forward parameters, and a fast feedforward model (depth D, leaves of width k h). Each run's
 * validation loss is logged against tokens and wall time, so the models can be compared at equal
 * tokens and at equal time.
 */
public final class MoeVsDenseExperiment {
    /** The shared settings. */
    public record Settings(int layers, int dModel, int heads, int context, int expertHidden, int experts, int topK,
                           int fffDepth, int batchSize, long steps, double learningRate, long evalEvery, long seed) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("steps is " + steps + ", must be >= 1");
            if (evalEvery < 1) throw new IllegalArgumentException("eval every is " + evalEvery + ", must be >= 1");
        }

        public static Settings defaults() {
            return new Settings(3, 128, 4, 64, 128, 8, 2, 3, 16, 600, 3e-3, 50, 1);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("layers", (long) layers);
            m.put("d_model", (long) dModel);
            m.put("heads", (long) heads);
            m.put("context", (long) context);
            m.put("expert_hidden", (long) expertHidden);
            m.put("experts", (long) experts);
            m.put("top_k", (long) topK);
            m.put("fff_depth", (long) fffDepth);
            m.put("batch_size", (long) batchSize);
            m.put("steps", steps);
            m.put("learning_rate", learningRate);
            m.put("seed", seed);
            return m;
        }
    }

    /** One model's curve: validation loss at tokens seen and seconds elapsed. */
    public record Curve(String name, long totalParameters, long activeParameters, double[] tokens, double[] seconds,
                        double[] validationLoss, double tokensPerSecond) {
        public double finalLoss() {
            return validationLoss[validationLoss.length - 1];
        }

        /** Validation loss at {@code t} seconds, linearly interpolated (the last value past the end). */
        public double lossAtSeconds(double t) {
            for (int i = 1; i < seconds.length; i++) {
                if (seconds[i] >= t) {
                    double w = (t - seconds[i - 1]) / (seconds[i] - seconds[i - 1]);
                    return validationLoss[i - 1] + w * (validationLoss[i] - validationLoss[i - 1]);
                }
            }
            return finalLoss();
        }
    }

    private MoeVsDenseExperiment() {}

    /** Trains the three models in sub-folders of {@code out}; {@code progress} hears (model, record) per step. */
    public static List<Curve> run(Settings s, Path out, BiConsumer<String, StepMetrics> progress) throws IOException {
        Files.createDirectories(out);
        CorpusSource source = CorpusSource.mobyDick();
        Tokenizer tok = TokenizerSpec.characters().build(source);
        int denseHidden = s.topK() * s.expertHidden();
        Map<String, FeedForwardSpec> models = new LinkedHashMap<>();
        models.put("dense", new FeedForwardSpec.Dense(denseHidden));
        models.put("moe", MoeSpec.mixtral(s.experts(), s.topK(), s.expertHidden()));
        models.put("fff", new FffSpec(s.fffDepth(), denseHidden, 0.01));
        // every model first runs a few steps in a scratch folder, so that no model's time includes the JIT's warm-up
        for (var m : models.entrySet()) {
            train(s, source, tok, m.getKey(), m.getValue(), out.resolve("warm-up"), true, (model, record) -> {});
        }
        List<Curve> curves = new ArrayList<>();
        for (var m : models.entrySet()) {
            curves.add(train(s, source, tok, m.getKey(), m.getValue(), out, false, progress));
        }
        return curves;
    }

    private static Curve train(Settings s, CorpusSource source, Tokenizer tok, String name, FeedForwardSpec spec, Path folder,
                               boolean warmUp, BiConsumer<String, StepMetrics> progress) throws IOException {
        long steps = warmUp ? Math.min(10, s.steps()) : s.steps();
        List<FeedForwardSpec> specs = new ArrayList<>();
        for (int l = 0; l < s.layers(); l++) specs.add(spec);
        TransformerConfig config = new TransformerConfig(tok.vocabSize(), s.dModel(), s.heads(), s.heads(), s.context(), 10000.0,
                1e-5f, specs, false, s.seed());
        LanguageModelTrainingConfig training = new LanguageModelTrainingConfig(s.batchSize(), steps, 0, s.learningRate(), 0.1,
                Math.min(100, steps / 10), 0.1, 1.0, s.learningRate(), warmUp ? steps : s.evalEvery(), 8, 0, s.seed(), 0.1);
        RunFolder run = new RunFolder(folder.resolve(name));
        Files.createDirectories(run.path());
        tok.save(run.tokenizerFile());
        run.writeDescription(new RunFolder.Description(config, training.toJson(), source.description()));
        TransformerLM lm = new TransformerLM(config);
        try (TokenCorpus corpus = TokenCorpus.prepare(source, tok, folder.resolve("tokens.bin"), 0.1)) {
            LanguageModelTraining.run(run, lm, source, corpus, training, false, () -> false, new LanguageModelTraining.Progress() {
                @Override
                public void started(long totalSteps, long firstStep) {}

                @Override
                public void stepped(StepMetrics record) {
                    progress.accept(name, record);
                }
            });
        }
        return curve(name, config, run, (long) s.batchSize() * s.context());
    }

    private static Curve curve(String name, TransformerConfig config, RunFolder run, long tokensPerStep) throws IOException {
        List<double[]> points = new ArrayList<>();
        double tokensPerSecond = 0;
        List<StepMetrics> records = MetricsLog.read(run.metrics());
        for (StepMetrics r : records) {
            tokensPerSecond += r.tokensPerSecond() / records.size();
            if (r.validated()) points.add(new double[] {r.step() * (double) tokensPerStep, r.elapsedSeconds(), r.valLoss()});
        }
        return new Curve(name, config.totalParameters(), config.activeParameters(), points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray(), points.stream().mapToDouble(p -> p[2]).toArray(), tokensPerSecond);
    }

    /** Results as JSON: settings and, per model, parameters, final loss, loss at the fastest run's time. */
    public static Map<String, Object> toJson(Settings s, List<Curve> curves) {
        double shortest = curves.stream().mapToDouble(c -> c.seconds()[c.seconds().length - 1]).min().orElse(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", "moe-vs-dense");
        m.put("settings", s.toJson());
        m.put("equal_time_seconds", shortest);
        Map<String, Object> models = new LinkedHashMap<>();
        for (Curve c : curves) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("total_parameters", c.totalParameters());
            r.put("active_parameters", c.activeParameters());
            r.put("validation_loss_equal_tokens", c.finalLoss());
            r.put("validation_loss_equal_time", c.lossAtSeconds(shortest));
            r.put("seconds", c.seconds()[c.seconds().length - 1]);
            r.put("tokens_per_second", c.tokensPerSecond());
            models.put(c.name(), r);
        }
        m.put("models", models);
        return m;
    }
}
