package org.moe4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.cli.plot.HeatMap;
import org.moe4j.experiment.Chen2022Experiment;
import org.moe4j.experiment.Chen2022Experiment.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moe4j experiment chen2022}: the synthetic experiment of Chen et al. (NeurIPS 2022),
 * Setting 1: single models against a linear and a non-linear MoE, test accuracy and dispatch
 * entropy over seeds, and the non-linear MoE's cluster-by-expert dispatch matrix as a PNG.
 */
@Command(name = "chen2022", mixinStandardHelpOptions = true,
        description = "Chen et al. 2022, 'Towards Understanding Mixture of Experts in Deep Learning', Setting 1: "
                + "single CNNs vs a linear and a non-linear MoE (8 experts, top-1) on 4-cluster synthetic data.")
final class Chen2022Command implements Callable<Integer> {
    @Option(names = "--seeds", description = "Seeds to average over; each draws its own data (default ${DEFAULT-VALUE}).")
    int seeds = 10;

    @Option(names = "--first-seed", description = "The first seed; the others follow it (default ${DEFAULT-VALUE}).")
    long firstSeed = 1;

    @Option(names = "--train-size", description = "Training examples (default ${DEFAULT-VALUE}).")
    int trainSize = 16_000;

    @Option(names = "--test-size", description = "Test examples (default ${DEFAULT-VALUE}).")
    int testSize = 16_000;

    @Option(names = "--plot", paramLabel = "FILE",
            description = "PNG of the first seed's non-linear MoE dispatch matrix (default ${DEFAULT-VALUE}).")
    Path plot = Path.of("chen2022-dispatch.png");

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        Chen2022Experiment.Settings paper = Chen2022Experiment.Settings.paper(seeds);
        var settings = new Chen2022Experiment.Settings(seeds, firstSeed, trainSize, testSize, paper.experts(),
                paper.expertFiltersPerClass(), paper.singleFiltersPerClass(), paper.moeEpochs(), paper.singleEpochs(),
                paper.expertLr(), paper.routerLr(), paper.singleLinearLr(), paper.singleNonlinearLr(),
                paper.singleWeightDecay());
        List<Model> models = List.of(Model.values());
        ProgressBar bar = new ProgressBar("chen2022", (long) seeds * models.size());
        int[] done = {0};
        var result = Chen2022Experiment.run(settings, models, run -> bar.update(++done[0], String.format(Locale.ROOT,
                "seed %d %s: test %.2f%%, entropy %.3f, %d epochs, %.1f s", run.seed(), run.model().label(),
                run.testAccuracy(), run.entropy(), run.epochs(), run.seconds())));
        System.out.printf(Locale.ROOT, "chen2022 setting 1, %d seed%s (%d..%d), %d train / %d test examples%n", seeds,
                seeds == 1 ? "" : "s", firstSeed, firstSeed + seeds - 1, trainSize, testSize);
        System.out.printf(Locale.ROOT, "%-20s %-22s %s%n", "model", "test accuracy (%)", "dispatch entropy");
        for (var s : result.summaries()) {
            String entropy = s.model().moe() ? String.format(Locale.ROOT, "%.3f +- %.3f", s.entropyMean(), s.entropyStd()) : "-";
            System.out.printf(Locale.ROOT, "%-20s %-22s %s%n", s.model().label(),
                    String.format(Locale.ROOT, "%.2f +- %.2f", s.accuracyMean(), s.accuracyStd()), entropy);
        }
        for (var run : result.runs()) {
            if (run.model() == Model.MOE_NONLINEAR && run.seed() == firstSeed) {
                drawDispatch(run);
                break;
            }
        }
        json.write(result.toJson(settings));
        return 0;
    }

    private void drawDispatch(Chen2022Experiment.Run run) throws java.io.IOException {
        int[][] d = run.dispatch();
        double[][] values = new double[d.length][];
        List<String> rows = new ArrayList<>();
        for (int k = 0; k < d.length; k++) {
            values[k] = new double[d[k].length];
            for (int e = 0; e < d[k].length; e++) values[k][e] = d[k][e];
            rows.add("cluster " + (k + 1));
        }
        String title = String.format(Locale.ROOT, "%s, seed %d: training examples per cluster and expert (entropy %.3f)",
                run.model().label(), run.seed(), run.entropy());
        new HeatMap(title, "expert 1 .. " + d[0].length, "cluster", values, rows.toArray(String[]::new))
                .save(plot, 900, 420);
        System.err.println("dispatch matrix drawn to " + plot);
    }
}
