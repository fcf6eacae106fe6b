package org.moe4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moe4j.cli.plot.LineChart;
import org.moe4j.experiment.MoeVsDenseExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j experiment moe-vs-dense}: dense, MoE and FFF language models on Moby Dick, same tokens and schedule. */
@Command(name = "moe-vs-dense", mixinStandardHelpOptions = true,
        description = "Train a dense, an MoE (same active parameters) and an FFF language model on Moby Dick for the same "
                + "tokens; compare validation loss at equal tokens and equal time.")
final class MoeVsDenseCommand implements Callable<Integer> {
    private static final MoeVsDenseExperiment.Settings D = MoeVsDenseExperiment.Settings.defaults();

    @Option(names = "--steps", description = "Steps per model (default ${DEFAULT-VALUE}).") long steps = D.steps();
    @Option(names = "--layers", description = "Layers (default ${DEFAULT-VALUE}).") int layers = D.layers();
    @Option(names = "--d-model", description = "Width (default ${DEFAULT-VALUE}).") int dModel = D.dModel();
    @Option(names = "--context", description = "Context (default ${DEFAULT-VALUE}).") int context = D.context();
    @Option(names = "--hidden", description = "Hidden width per expert; dense gets top-k times it (default ${DEFAULT-VALUE}).")
    int expertHidden = D.expertHidden();
    @Option(names = "--experts", description = "Experts (default ${DEFAULT-VALUE}).") int experts = D.experts();
    @Option(names = "--top-k", description = "Experts per token (default ${DEFAULT-VALUE}).") int topK = D.topK();
    @Option(names = "--fff-depth", description = "FFF depth (default ${DEFAULT-VALUE}).") int fffDepth = D.fffDepth();
    @Option(names = "--batch-size", description = "Batch (default ${DEFAULT-VALUE}).") int batchSize = D.batchSize();
    @Option(names = "--lr", description = "Peak learning rate (default ${DEFAULT-VALUE}).") double lr = D.learningRate();
    @Option(names = "--eval-every", description = "Validate every N steps (default ${DEFAULT-VALUE}).") long evalEvery = D.evalEvery();
    @Option(names = "--seed", description = "Seed (default ${DEFAULT-VALUE}).") long seed = D.seed();
    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the three runs and the plots (default ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "moe-vs-dense");

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        var s = new MoeVsDenseExperiment.Settings(layers, dModel, 4, context, expertHidden, experts, topK, fffDepth, batchSize, steps, lr,
                evalEvery, seed);
        ProgressBar[] bar = new ProgressBar[1];
        String[] current = {""};
        List<MoeVsDenseExperiment.Curve> curves = MoeVsDenseExperiment.run(s, out, (model, r) -> {
            if (!model.equals(current[0])) {
                current[0] = model;
                bar[0] = new ProgressBar(model, steps);
            }
            bar[0].update(r.step(), TrainingReport.progressText(r));
        });
        LineChart byTokens = new LineChart("Validation loss at equal tokens", "tokens", "nats per character");
        LineChart byTime = new LineChart("Validation loss at equal time", "seconds", "nats per character");
        for (var c : curves) {
            byTokens.add(new LineChart.Series(c.name(), c.tokens(), c.validationLoss()));
            byTime.add(new LineChart.Series(c.name(), c.seconds(), c.validationLoss()));
        }
        byTokens.save(out.resolve("loss_by_tokens.png"), 800, 450);
        byTime.save(out.resolve("loss_by_time.png"), 800, 450);
        Map<String, Object> result = MoeVsDenseExperiment.toJson(s, curves);
        System.out.printf(Locale.ROOT, "%-6s %12s %12s %10s %12s %12s %9s%n", "model", "parameters", "active", "tok/s", "val@tokens",
                "val@time", "seconds");
        double t = (Double) result.get("equal_time_seconds");
        for (var c : curves) {
            System.out.printf(Locale.ROOT, "%-6s %,12d %,12d %10.0f %12.4f %12.4f %9.1f%n", c.name(), c.totalParameters(),
                    c.activeParameters(), c.tokensPerSecond(), c.finalLoss(), c.lossAtSeconds(t), c.seconds()[c.seconds().length - 1]);
        }
        System.out.printf(Locale.ROOT, "equal tokens: %,d per model; equal time: %.1f s (the fastest run); plots in %s%n",
                (long) steps * batchSize * context, t, out);
        json.write(result);
        return 0;
    }
}
