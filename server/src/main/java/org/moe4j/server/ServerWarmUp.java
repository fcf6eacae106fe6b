package org.moe4j.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.moe4j.infer.SamplingConfig;

/**
 * Decodes made-up requests through the server's own scheduler before the server listens, so its
 * first users are served by compiled code. A fresh JVM runs the decode path interpreted and then
 * through C1 until C2 has compiled the kernels, which on a 2-core machine takes a second or more
 * (docs/performance.md, "Warm from the first token"); without this the first answers of a new
 * server decode at a tenth of the warm speed.
 *
 * <p>The requests run on a scheduler and a small KV pool of their own, with their own metrics, both
 * dropped afterwards: nothing of the warm-up shows in the served metrics or the prefix cache. They
 * alternate one request alone and {@link #BATCH} together, because a step of one sequence and a
 * batched step run different kernels, and their prompts are prefilled in one step, which runs the
 * prompt kernels. No id ends them (the model's end-of-text ids are not stop ids here), and the tokens
 * are drawn at temperature 1 from a fixed seed, so the runs are the same from start to start.
 */
public final class ServerWarmUp {
    private ServerWarmUp() {}

    /** Requests decoded together in the batched rounds. */
    static final int BATCH = 16;
    /** Prompt tokens of each made-up request. */
    static final int PROMPT_TOKENS = 24;
    /** Tokens each made-up request draws. */
    static final int MAX_TOKENS = 24;
    /** The most warm-up seconds a user may ask for. */
    public static final double MAX_SECONDS = 600;

    /** What the warm-up did: requests answered, tokens drawn, its wall time. */
    public record Result(int requests, long tokens, double seconds) {}

    /** Refuses a warm-up time outside [0, {@link #MAX_SECONDS}], naming the option. */
    public static void checkSeconds(double seconds) {
        if (!(seconds >= 0 && seconds <= MAX_SECONDS)) {
            throw new IllegalArgumentException("--warm-up is " + seconds + ", must be between 0 and " + (int) MAX_SECONDS + " seconds");
        }
    }

    /**
     * Runs rounds of made-up requests on {@code served}: the first, one request alone, to its end,
     * then more until {@code seconds} have passed (the step under way then ends, the requests left
     * are dropped); none at 0. {@code maxBatch} bounds the batched rounds as it bounds the server's.
     */
    public static Result run(ServedModel served, int maxBatch, double seconds) {
        checkSeconds(seconds);
        if (maxBatch < 1) throw new IllegalArgumentException("warm-up: max batch is " + maxBatch + ", must be >= 1");
        long start = System.nanoTime();
        if (seconds == 0) return new Result(0, 0, 0);
        int batch = Math.min(BATCH, maxBatch);
        int context = Math.min(served.contextLength(), PROMPT_TOKENS + MAX_TOKENS);
        int prompt = Math.max(1, Math.min(PROMPT_TOKENS, context - 1));
        int draw = Math.max(1, Math.min(MAX_TOKENS, context - prompt));
        ServedModel scratch = new ServedModel(served.name(), served.model(), served.tokenizer(), context, Set.of(), served.chat(), () -> {});
        int perSequence = (context + 15) / 16;
        KvCacheConfig kv = new KvCacheConfig(batch * perSequence + 1, 16, 256, KvCacheConfig.PrefixReuse.OFF);
        ServerConfig config = new ServerConfig(ServerConfig.LOOPBACK, 0, null, 1, batch, batch, draw, Duration.ofMinutes(10), kv);
        SplittableRandom ids = new SplittableRandom(20261206);
        int vocab = served.tokenizer().vocabSize();
        long deadline = start + (long) (seconds * 1e9);
        int requests = 0;
        long tokens = 0;
        try (BatchScheduler scheduler = new BatchScheduler(scratch, config, new ServerMetrics())) {
            for (int round = 0; round == 0 || System.nanoTime() < deadline; round++) {
                int jobs = round % 2 == 0 ? 1 : batch;
                List<CompletionJob> running = new ArrayList<>(jobs);
                for (int j = 0; j < jobs; j++) {
                    int[] tokensOfPrompt = new int[prompt];
                    for (int i = 0; i < prompt; i++) tokensOfPrompt[i] = ids.nextInt(vocab);
                    Generation g = new Generation(tokensOfPrompt, draw, new SamplingConfig(1.0, 0, 1.0, ids.nextLong()), List.of());
                    CompletionJob job = new CompletionJob(g, served.tokenizer(), false);
                    if (scheduler.submit(job) != BatchScheduler.Refusal.NONE) {
                        throw new IllegalStateException("warm-up: the scheduler refused a made-up request (" + jobs + " in a pool of "
                                + kv.blocks() + " blocks)");
                    }
                    running.add(job);
                }
                for (CompletionJob job : running) {
                    int drawn = awaitEnd(job, round == 0 ? Long.MAX_VALUE : deadline);
                    if (drawn < 0) break;
                    tokens += drawn;
                    requests++;
                }
                if (round > 0 && System.nanoTime() >= deadline) {
                    // time is up inside a round: the scheduler drops what is left before its next step
                    for (CompletionJob job : running) job.cancel();
                    awaitIdle(scheduler);
                }
            }
        }
        return new Result(requests, tokens, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Waits for {@code job}'s end and returns the tokens it drew, or -1 when {@code deadline} comes
     * first; a failure is the warm-up's.
     */
    private static int awaitEnd(CompletionJob job, long deadline) {
        try {
            while (true) {
                CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                switch (event) {
                    case null -> {
                        return -1;
                    }
                    case CompletionEvent.Finished f -> {
                        return f.completionTokens();
                    }
                    case CompletionEvent.Failed f -> throw new IllegalStateException("warm-up: a made-up request failed: " + f.message());
                    case CompletionEvent.Text t -> { }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("warm-up: interrupted", e);
        }
    }

    /** Waits until the scheduler has no sequence left, so no warm-up step runs beside the server's first. */
    private static void awaitIdle(BatchScheduler scheduler) {
        try {
            while (scheduler.activeSequences() > 0 || scheduler.queueLength() > 0) Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("warm-up: interrupted", e);
        }
    }
}
