package org.moe4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.DecodeBench;
import org.moe4j.bench.MemoryRead;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.ModelConfig;
import org.moe4j.io.ModelFolder;
import org.moe4j.infer.OpenModel;
import org.moe4j.infer.ProcessMemory;
import org.moe4j.kernel.KernelPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j bench decode RUN}: the time of one continuous-batching decode step of a trained
 * language model at several batch sizes, in-process and without HTTP ({@link DecodeBench}), so
 * model time can be told apart from server time ({@code bench serve}). Progress on standard error,
 * a Markdown table on standard output.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Time one batched decode step of a trained model (no server) at several batch sizes; prints a Markdown table.")
final class DecodeBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "a run folder written by moe4j train, a Hugging Face model folder or a GGUF file")
    Path run;

    @Option(names = "--batch-sizes", split = ",", paramLabel = "B[,B...]", description = "Batch sizes (sequences decoded together), "
            + "in this order; throughput is compared with the first (default: 1,4,16,64).")
    List<Integer> batches = List.of(1, 4, 16, 64);

    @Option(names = "--prompt-tokens", paramLabel = "P",
            description = "Tokens each sequence is prefilled with, not timed (default: ${DEFAULT-VALUE}).")
    int promptTokens = 40;

    @Option(names = "--steps", paramLabel = "S", description = "Decode steps timed per round (default: ${DEFAULT-VALUE}); "
            + "P + S must fit the model's context.")
    int steps = 80;

    @Option(names = "--rounds", paramLabel = "R", description = "Rounds over all batch sizes, at least 3; the first "
            + DecodeBench.WARM_UP_ROUNDS + " are warm-up, the rest give the median and the minimum (default: ${DEFAULT-VALUE}).")
    int rounds = 7;

    @Option(names = "--warm-up", paramLabel = "SECONDS", description = "Repeat the warm-up rounds until this long has passed "
            + "(default: ${DEFAULT-VALUE}; the JIT compiles the decode path for a second or more on a small machine).")
    double warmUpSeconds = DecodeBench.WARM_UP_SECONDS;

    @Option(names = "--prefill", paramLabel = "N",
            description = "Also time prompt processing: one fresh sequence prefilled with N tokens (median of 3 after a warm-up).")
    int prefill = 0;

    @Option(names = "--roofline", description = "Also measure the machine's read bandwidth (streaming 4 GiB) and print batch 1's "
            + "memory roofline: weight bytes read per token / bandwidth, against the measured step.")
    boolean roofline;

    @Option(names = "--threads", paramLabel = "N", description = "Kernel threads (default: all cores, ${DEFAULT-VALUE} here).")
    int threads = KernelPool.threads();

    @picocli.CommandLine.Mixin
    ExpertOptions experts = new ExpertOptions();

    @Override
    public Integer call() throws Exception {
        DecodeBench.Settings settings = new DecodeBench.Settings(batches, promptTokens, steps, rounds, warmUpSeconds);
        int before = KernelPool.threads();
        KernelPool.setThreads(threads); // refuses a bad count before the model loads; DecodeBench.measure sets it again
        try {
            measure(settings);
        } finally {
            KernelPool.setThreads(before);
        }
        return 0;
    }

    private void measure(DecodeBench.Settings settings) throws java.io.IOException {
        // a model folder or GGUF file needs no tokenizer here: the prompts are ids
        if (org.moe4j.io.gguf.GgufFile.isGguf(run)) {
            try (var m = org.moe4j.engine.gguf.GgufModel.load(run)) {
                System.err.printf(Locale.ROOT, "loaded in %.1f s%n", m.loadSeconds());
                measure(m.model(), m.config().maxPositions(), settings);
            }
        } else if (ModelFolder.isModelFolder(run)) {
            try (HfModel m = HfModel.load(run)) {
                System.err.printf(Locale.ROOT, "loaded in %.1f s%n", m.loadSeconds());
                measure(m.model(), m.config().maxPositions(), settings);
            }
        } else {
            try (OpenModel m = OpenModel.open(run, 0)) {
                measure(m.model(), m.contextLength(), settings);
            }
        }
    }

    /** Batch 1's step against weight bytes per token over the read bandwidth measured now, on the same threads. */
    private void printRoofline(DecoderModel model, List<DecodeBench.Row> rows) {
        long bytes = model.weightBytesPerToken();
        java.lang.foreign.MemorySegment buffer = MemoryRead.buffer(4L << 30, null);
        MemoryRead.Result bw = MemoryRead.measure(buffer, threads, 5);
        double rooflineMs = bytes / (bw.gigabytesPerSecond() * 1e9) * 1e3;
        System.out.println();
        System.out.println(String.format(Locale.ROOT, "weights read per token: %.3f GB; read bandwidth (%d threads, 4 GiB streamed): %.2f GB/s; "
                + "roofline %.2f ms per token (%.2f tokens/s)", bytes / 1e9, threads, bw.gigabytesPerSecond(), rooflineMs, 1e3 / rooflineMs));
        rows.stream().filter(r -> r.batch() == 1).findFirst().ifPresent(r -> System.out.println(String.format(Locale.ROOT,
                "batch 1: median %.2f ms per token = %.0f%% of the roofline speed (%.2f GB/s of weights)", r.medianMs(),
                100 * rooflineMs / r.medianMs(), bytes / (r.medianMs() / 1e3) / 1e9)));
    }

    private void measure(DecoderModel model, int context, DecodeBench.Settings settings) {
        try (var residency = experts.apply(model)) {
            measureKept(model, context, settings);
            experts.report(residency, System.out);
        }
    }

    private void measureKept(DecoderModel model, int context, DecodeBench.Settings settings) {
        ModelConfig c = model.config();
        settings.checkFits(context);
        System.out.println(String.format(Locale.ROOT, "model: %s (%s): %d layers, width %d, context %d, vocabulary %d", run,
                c.architecture(), c.numLayers(), c.hiddenSize(), context, c.vocabSize()));
        System.out.println(String.format(Locale.ROOT,
                "decode: %d-token prompts prefilled, %d greedy steps timed per round, median and min over %d rounds after "
                        + "at least %d warm-up rounds and %.1f s, %d kernel threads",
                promptTokens, steps, rounds - DecodeBench.WARM_UP_ROUNDS, DecodeBench.WARM_UP_ROUNDS, warmUpSeconds, threads));
        List<DecodeBench.Row> rows = DecodeBench.measure(model, context, settings, threads, r -> System.err.println(
                String.format(Locale.ROOT, "round %d, batch %d: %.3f ms per step%s", r.round(), r.batch(), r.msPerStep(),
                        r.warmUp() ? " (warm-up)" : "")));
        System.out.println();
        System.out.print(DecodeBench.table(rows));
        if (roofline) printRoofline(model, rows);
        if (prefill > 0) {
            if (prefill > context) throw new IllegalArgumentException("--prefill " + prefill + " is more than the context " + context);
            double seconds = DecodeBench.prefillSeconds(model, prefill, 3);
            System.out.println(String.format(Locale.ROOT, "prefill %d tokens: %.3f s (%.1f tokens/s)", prefill, seconds, prefill / seconds));
        }
        System.out.println(String.format(Locale.ROOT, "peak RSS %.2f GiB", ProcessMemory.peakResidentBytes() / (double) (1L << 30)));
    }
}
