package org.moe4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.moe4j.kernel.KernelPool;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;

/**
 * One continuous-batching decode step of a language model, in-process (no server): for a batch of
 * B fresh sequences, one {@link DecoderModel#forward} call prefills all their prompts (not
 * timed), then each of {@code steps} calls brings one token per sequence, the greedy argmax of that
 * sequence's previous logits, as a server decodes. Only the forward calls are timed; a round's
 * time is their mean. Batch sizes are interleaved within each round ({@link RoundTimes}). Rounds are
 * repeated uncounted until at least {@link #WARM_UP_ROUNDS} of them and {@code warmUpSeconds} have
 * passed: a round of a small model at batch 1 lasts a few tens of milliseconds, and two of them were
 * over while the JIT was still compiling the decode path (the counted rounds then drifted from 0.9 to
 * 0.33 ms per step in one process).
 */
public final class DecodeBench {
    private DecodeBench() {}

    /** Rounds run first and not counted, while the JIT compiles the decode path (at least this many; see warmUpSeconds). */
    public static final int WARM_UP_ROUNDS = 2;

    /** Seconds the warm-up rounds last at least by default (the decode path's JIT compiles take a second or more on 2 cores). */
    public static final double WARM_UP_SECONDS = 3;

    /** What to measure; the messages name the options of {@code moe4j bench decode}. */
    public record Settings(List<Integer> batches, int promptTokens, int steps, int rounds, double warmUpSeconds) {
        public Settings {
            if (batches == null || batches.isEmpty()) throw new IllegalArgumentException("--batch-sizes lists no batch size, give at least one");
            for (int b : batches) {
                if (b < 1) throw new IllegalArgumentException("--batch-sizes has " + b + ", each batch size must be >= 1");
            }
            batches = List.copyOf(batches);
            if (promptTokens < 1) throw new IllegalArgumentException("--prompt-tokens is " + promptTokens + ", must be >= 1");
            if (steps < 1) throw new IllegalArgumentException("--steps is " + steps + ", must be >= 1");
            if (rounds < WARM_UP_ROUNDS + 1) {
                throw new IllegalArgumentException("--rounds is " + rounds + ", must be >= " + (WARM_UP_ROUNDS + 1) + " (the first "
                        + WARM_UP_ROUNDS + " rounds are warm-up and not counted)");
            }
            if (!(warmUpSeconds >= 0 && warmUpSeconds <= 3600)) {
                throw new IllegalArgumentException("--warm-up is " + warmUpSeconds + ", must be between 0 and 3600 seconds");
            }
        }

        /** Refuses a prompt and decode steps that together exceed {@code contextLength} tokens. */
        public void checkFits(int contextLength) {
            long tokens = (long) promptTokens + steps;
            if (tokens > contextLength) {
                throw new IllegalArgumentException("--prompt-tokens " + promptTokens + " + --steps " + steps + " = " + tokens
                        + " tokens per sequence, more than the model's context length " + contextLength);
            }
        }
    }

    /** One round of one batch size: milliseconds per decode step, and whether the round is warm-up. */
    public record Round(int round, int batch, double msPerStep, boolean warmUp) {}

    /** The result for one batch size: median and minimum over the counted rounds of the milliseconds per decode step. */
    public record Row(int batch, double medianMs, double minMs, int countedRounds) {
        /** Tokens generated per second at the median step time (one token per sequence per step). */
        public double tokensPerSecond() {
            return batch * 1000.0 / medianMs;
        }
    }

    /**
     * Measures every batch size of {@code settings} on the engine {@code model} with
     * {@code threads} kernel threads (restored afterwards); {@code progress} hears of every round.
     * Refuses a prompt and decode steps that do not fit the model's context.
     */
    public static List<Row> measure(DecoderModel model, int context, Settings settings, int threads, Consumer<Round> progress) {
        settings.checkFits(context);
        List<Integer> batches = settings.batches();
        RoundTimes times = new RoundTimes(batches.size(), 0);
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            long warmUntil = System.nanoTime() + (long) (settings.warmUpSeconds() * 1e9);
            int round = 0;
            while (round < WARM_UP_ROUNDS || System.nanoTime() < warmUntil) {
                round++;
                for (int b : batches) {
                    progress.accept(new Round(round, b, msPerStep(model, b, settings.promptTokens(), settings.steps()), true));
                }
            }
            for (int counted = WARM_UP_ROUNDS; counted < settings.rounds(); counted++) {
                round++;
                for (int i = 0; i < batches.size(); i++) {
                    int b = batches.get(i);
                    double ms = msPerStep(model, b, settings.promptTokens(), settings.steps());
                    times.add(i, ms);
                    progress.accept(new Round(round, b, ms, false));
                }
            }
        } finally {
            KernelPool.setThreads(before);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < batches.size(); i++) {
            rows.add(new Row(batches.get(i), times.median(i), times.min(i), times.counted(i)));
        }
        return rows;
    }

    /** Prefills {@code batch} fresh sequences, then times {@code steps} greedy decode steps; mean ms per step. */
    static double msPerStep(DecoderModel model, int batch, int promptTokens, int steps) {
        int vocab = model.config().vocabSize();
        List<Sequence> sequences = new ArrayList<>(batch);
        List<int[]> prompts = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) {
            sequences.add(model.newSequence(promptTokens + steps));
            int[] prompt = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) prompt[i] = (i * 7 + b) % vocab;
            prompts.add(prompt);
        }
        float[] logits = model.forward(sequences, prompts, false, ForwardObserver.NONE);
        List<int[]> next = new ArrayList<>(batch);
        for (int b = 0; b < batch; b++) next.add(new int[1]);
        long nanos = 0;
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) next.get(b)[0] = argmax(logits, b, vocab);
            long start = System.nanoTime();
            logits = model.forward(sequences, next, false, ForwardObserver.NONE);
            nanos += System.nanoTime() - start;
        }
        return nanos / 1e6 / steps;
    }

    /**
     * Seconds to prefill one fresh sequence with {@code tokens} seeded ids (the time to first token of
     * a prompt that long, without sampling): the median of {@code rounds} after one warm-up pass.
     */
    public static double prefillSeconds(DecoderModel model, int tokens, int rounds) {
        int vocab = model.config().vocabSize();
        int[] prompt = new int[tokens];
        for (int i = 0; i < tokens; i++) prompt[i] = (int) ((i * 7919L + 13) % vocab);
        double[] times = new double[rounds];
        for (int r = -1; r < rounds; r++) {
            Sequence s = model.newSequence(tokens);
            long start = System.nanoTime();
            model.forward(List.of(s), List.of(prompt), false, ForwardObserver.NONE);
            if (r >= 0) times[r] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(times);
        return times[rounds / 2];
    }

    /** The greedy next token of row {@code row} of {@code logits} (ties to the lower id). */
    private static int argmax(float[] data, int row, int vocab) {
        int off = row * vocab;
        int best = 0;
        for (int i = 1; i < vocab; i++) if (data[off + i] > data[off + best]) best = i;
        return best;
    }

    /** The rows as a Markdown table; throughput relative to the first row's batch size. */
    public static String table(List<Row> rows) {
        Row first = rows.getFirst();
        StringBuilder out = new StringBuilder();
        out.append("| batch | median step (ms) | min step (ms) | tokens/s | vs B=").append(first.batch()).append(" |\n");
        out.append("|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.0f | %.2fx |%n", r.batch(), r.medianMs(), r.minMs(),
                    r.tokensPerSecond(), r.tokensPerSecond() / first.tokensPerSecond()));
        }
        return out.toString();
    }
}
