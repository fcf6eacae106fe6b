package org.moe4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.Sequence;
import org.moe4j.engine.gguf.GgufModel;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.kernel.KernelPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j bench prefill MODEL --prompt-tokens 512}: prompt processing, the time of one forward pass over
 * a prompt of random ids into an empty sequence (as llama.cpp's pp512 measures it), best of several
 * rounds after a warm-up; prints tokens per second.
 */
@Command(name = "prefill", mixinStandardHelpOptions = true,
        description = "Time prompt processing: one forward pass over --prompt-tokens random ids of a Hugging Face folder or a GGUF file.")
final class PrefillBenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "a Hugging Face model folder or a GGUF file")
    Path model;

    @Option(names = "--prompt-tokens", paramLabel = "P", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int tokens = 512;

    @Option(names = "--rounds", paramLabel = "R", description = "Timed rounds after one warm-up (default: ${DEFAULT-VALUE}).")
    int rounds = 3;

    @Option(names = "--threads", paramLabel = "N", description = "Kernel threads (default: all cores, ${DEFAULT-VALUE} here).")
    int threads = KernelPool.threads();

    @Override
    public Integer call() throws Exception {
        if (tokens < 1 || rounds < 1) throw new IllegalArgumentException("--prompt-tokens and --rounds must be >= 1");
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            if (GgufFile.isGguf(model)) {
                try (GgufModel m = GgufModel.load(model)) {
                    measure(m.model());
                }
            } else {
                try (HfModel m = HfModel.load(model)) {
                    measure(m.model());
                }
            }
        } finally {
            KernelPool.setThreads(before);
        }
        return 0;
    }

    private void measure(DecoderModel m) {
        java.util.Random random = new java.util.Random(7);
        int[] ids = new int[tokens];
        for (int i = 0; i < tokens; i++) ids[i] = random.nextInt(m.config().vocabSize());
        List<Double> seconds = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            Sequence s = m.newSequence(tokens);
            long t0 = System.nanoTime();
            m.forward(List.of(s), List.of(ids), false, ForwardObserver.NONE);
            double t = (System.nanoTime() - t0) / 1e9;
            System.err.printf(Locale.ROOT, "round %d: %.2f s%s%n", r, t, r == 0 ? " (warm-up)" : "");
            if (r > 0) seconds.add(t);
        }
        double best = seconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        System.out.printf(Locale.ROOT, "prefill %s: %d tokens, %d threads, best %.2f s = %.2f tokens/s%n", model, tokens, threads, best,
                tokens / best);
    }
}
