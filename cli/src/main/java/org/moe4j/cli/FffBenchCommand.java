package org.moe4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.FffBench;
import org.moe4j.fff.FastFeedForwardConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code moe4j bench fff}: hard fast-feedforward inference against the dense feed-forward layer of
 * the same training width (2^depth * leaf), both in moe4j, in one run; with {@code --train}, also
 * one soft training step against one dense training step.
 */
@Command(name = "fff", mixinStandardHelpOptions = true,
        description = "Hard FFF inference vs a dense FF of width 2^depth*leaf; prints 'speedup: Nx'.")
final class FffBenchCommand implements Callable<Integer> {
    @Option(names = "--in-width", description = "Input width (default ${DEFAULT-VALUE}).") int in = 784;
    @Option(names = "--out-width", description = "Output width (default ${DEFAULT-VALUE}).") int out = 10;
    @Option(names = "--depth", description = "Tree depth D (default ${DEFAULT-VALUE}).") int depth = 8;
    @Option(names = "--leaf", description = "Leaf width l (default ${DEFAULT-VALUE}).") int leaf = 8;
    @Option(names = "--batch-size", description = "Inputs per call (default ${DEFAULT-VALUE}).") int batch = 1;
    @Option(names = "--train", description = "Also time one soft training step against one dense training step.")
    boolean train;
    @Option(names = "--warmup", description = "Warm-up runs of 0.2 s per side (default ${DEFAULT-VALUE}).")
    int warmups = FffBench.DEFAULT_WARMUPS;
    @Mixin BenchCommand.Common common = new BenchCommand.Common();

    @Override
    public Integer call() {
        common.check();
        if (warmups < 0) {
            throw new IllegalArgumentException("--warmup is " + warmups + ", must be >= 0");
        }
        long width = FastFeedForwardConfig.of(in, leaf, out, depth).trainingWidth();
        System.out.println(String.format(Locale.ROOT, "fff in %d out %d depth %d leaf %d (training width %d) batch %d, %d threads",
                in, out, depth, leaf, width, batch, common.threads));
        FffBench.Result r = FffBench.inference(in, out, depth, leaf, batch, common.threads, common.runs, warmups);
        System.out.println(String.format(Locale.ROOT, "hard fff inference: %.4f ms per call (%.3f us per input)",
                r.fffSeconds() * 1e3, r.fffSeconds() * 1e6 / batch));
        System.out.println(String.format(Locale.ROOT, "dense inference:    %.4f ms per call (%.3f us per input)",
                r.denseSeconds() * 1e3, r.denseSeconds() * 1e6 / batch));
        System.out.println(String.format(Locale.ROOT, "speedup: %.1fx", r.speedup()));
        if (train) {
            FffBench.Result t = FffBench.trainingStep(in, out, depth, leaf, batch, common.threads, common.runs, warmups);
            System.out.println(String.format(Locale.ROOT, "soft fff training step: %.3f ms", t.fffSeconds() * 1e3));
            System.out.println(String.format(Locale.ROOT, "dense training step:    %.3f ms", t.denseSeconds() * 1e3));
            System.out.println(String.format(Locale.ROOT, "training step fff/dense: %.2fx", 1 / t.speedup()));
        }
        return 0;
    }
}
