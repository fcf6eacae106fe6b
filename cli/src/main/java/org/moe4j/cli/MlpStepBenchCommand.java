package org.moe4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.MlpStepBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j bench mlp-step}: one Linear+ReLU+Linear training step, as bench/scripts/numpy_mlp_step.py. */
@Command(name = "mlp-step", mixinStandardHelpOptions = true,
        description = "Forward and backward of Linear+ReLU+Linear; prints 'mlp-step B IN HIDDEN OUT ms_per_step'.")
final class MlpStepBenchCommand implements Callable<Integer> {
    @Option(names = "--batch-size", description = "Batch size (default ${DEFAULT-VALUE}).") int batch = 256;
    @Option(names = "--in-width", description = "Input width (default ${DEFAULT-VALUE}).") int in = 784;
    @Option(names = "--hidden", description = "Hidden width (default ${DEFAULT-VALUE}).") int hidden = 1024;
    @Option(names = "--out-width", description = "Output width (default ${DEFAULT-VALUE}).") int out = 10;
    @Mixin BenchCommand.Common common = new BenchCommand.Common();

    @Override
    public Integer call() {
        common.check();
        double ms = MlpStepBench.millisPerStep(batch, in, hidden, out, common.threads, common.runs);
        System.out.println(String.format(Locale.ROOT, "mlp-step %d %d %d %d %.3f", batch, in, hidden, out, ms));
        return 0;
    }
}
