package org.moe4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moe4j.experiment.FffMnistExperiment;
import org.moe4j.experiment.FffMnistPlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j experiment fff-mnist}: the FFF paper's Table 1 grid (FF vs FFF) on the bundled MNIST digits. */
@Command(name = "fff-mnist", mixinStandardHelpOptions = true,
        description = "FF widths 16/32/64/128 against FFF leaf widths 1/2/4/8 (depth log2(w/l)) on the bundled MNIST digits:"
                + " memorisation and generalisation accuracy (hard decisions) and single-input inference speedup.")
final class FffMnistCommand implements Callable<Integer> {
    private static final FffMnistExperiment.Settings DEFAULTS = FffMnistExperiment.Settings.defaults();

    @Option(names = "--widths", split = ",", description = "FF widths (default 16,32,64,128).")
    int[] widths = DEFAULTS.widths();

    @Option(names = "--leaves", split = ",", description = "FFF leaf widths (default 1,2,4,8).")
    int[] leaves = DEFAULTS.leafWidths();

    @Option(names = "--epochs", description = "Passes over the training digits per model (default ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs();

    @Option(names = "--batch-size", description = "Minibatch size (default ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--lr", description = "Peak Adam learning rate, cosine-decayed (default ${DEFAULT-VALUE}).")
    double learningRate = DEFAULTS.learningRate();

    @Option(names = "--hardening", description = "Hardening loss weight h (h * sum of batch-mean node entropies; default ${DEFAULT-VALUE}).")
    double hardening = DEFAULTS.hardeningWeight();

    @Option(names = "--hardening-start", description = "Fraction of the training steps after which the hardening loss is added (default ${DEFAULT-VALUE}).")
    double hardeningStart = DEFAULTS.hardeningStart();

    @Option(names = "--hard-epochs", description = "More epochs with hard decisions after the soft ones, from the soft tree's weights (default ${DEFAULT-VALUE}).")
    int hardEpochs = DEFAULTS.hardEpochs();

    @Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(names = "--plot", paramLabel = "FILE", description = "Also write the test accuracies as an SVG chart to FILE.")
    Path plot;

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        var settings = new FffMnistExperiment.Settings(widths, leaves, epochs, batchSize, learningRate, hardening,
                hardeningStart, hardEpochs, seed);
        List<FffMnistExperiment.Cell> cells = FffMnistExperiment.run(settings, System.out::println);
        System.out.println();
        System.out.print(FffMnistExperiment.markdownTable(cells, leaves));
        if (plot != null) {
            Files.writeString(plot, FffMnistPlot.svg(cells, widths, leaves));
        }
        json.write(Map.of("experiment", "fff-mnist", "settings", settings.toJson(),
                "cells", cells.stream().map(c -> (Object) c.toJson()).toList()));
        return 0;
    }
}
