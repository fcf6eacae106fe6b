package org.moe4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.Sequence;

/**
 * Continuous batching (Yu et al. 2022, "Orca", iteration-level scheduling): one thread owns the
 * model and loops: admit waiting requests up to the batch limit, drop cancelled ones, run ONE
 * {@link org.moe4j.engine.DecoderModel#forward} step for every active sequence (the prompts of newly admitted
 * requests and the last token of the running ones together, so each MoE layer groups all those
 * tokens by expert), draw each sequence's next token with its own sampler, and retire the finished
 * ones at once, which frees their slots for the next step.
 */
final class BatchScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BatchScheduler.class.getName());

    private final ServedModel served;
    private final int maxBatch;
    private final BlockingQueue<CompletionJob> queue;
    private final ServerMetrics metrics;
    private final List<CompletionJob> active = new ArrayList<>();
    private final ExpertLoads loads;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile int activeCount;

    BatchScheduler(ServedModel served, int maxBatch, int maxQueue, ServerMetrics metrics) {
        this.served = served;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.metrics = metrics;
        this.loads = new ExpertLoads(served.model().config());
        metrics.gauges(queue::size, () -> activeCount);
        this.thread = Thread.ofPlatform().name("moe4j-scheduler").daemon(true).start(this::loop);
    }

    /** Queues a job; false when the queue is full (the caller answers 429); 503 once the scheduler is closed. */
    boolean submit(CompletionJob job) {
        if (!running) throw new BadRequestException(503, null, "the server is shutting down");
        return queue.offer(job);
    }

    int queueLength() {
        return queue.size();
    }

    int activeSequences() {
        return activeCount;
    }

    private void loop() {
        while (running) {
            try {
                if (active.isEmpty()) {
                    CompletionJob first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first != null) admit(first);
                }
                while (active.size() < maxBatch) {
                    CompletionJob next = queue.poll();
                    if (next == null) break;
                    admit(next);
                }
                active.removeIf(job -> {
                    if (job.cancelled()) metrics.cancelled();
                    return job.cancelled();
                });
                activeCount = active.size();
                if (!active.isEmpty()) step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "the model step failed for " + active.size() + " sequences", e);
                for (CompletionJob job : active) job.fail(500, "the model step failed (the server log has the details)");
                active.clear();
            }
            activeCount = active.size();
        }
        for (CompletionJob job : active) job.fail(503, "the server is shutting down");
        active.clear();
        for (CompletionJob job; (job = queue.poll()) != null; ) job.fail(503, "the server is shutting down");
    }

    private void admit(CompletionJob job) {
        if (job.cancelled()) {
            metrics.cancelled();
            return;
        }
        job.start(served.model().newSequence(served.contextLength()), served.contextLength());
        active.add(job);
    }

    private void step() {
        int n = active.size();
        List<Sequence> states = new ArrayList<>(n);
        List<int[]> tokens = new ArrayList<>(n);
        int prefilled = 0;
        for (CompletionJob job : active) {
            states.add(job.state());
            tokens.add(job.pending());
            if (job.generated() == 0) prefilled += job.pending().length;
        }
        loads.reset();
        float[] logits = served.model().forward(states, tokens, false, loads);
        metrics.step(n, prefilled, n, loads.perLayer());
        int vocab = served.model().config().vocabSize();
        List<CompletionJob> finished = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            CompletionJob job = active.get(s);
            try {
                boolean first = job.generated() == 0;
                if (job.advance(logits, s * vocab, vocab, served.stopIds())) finished.add(job);
                if (first) metrics.firstToken(job.timeToFirstTokenSeconds());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "drawing or decoding a token failed", e);
                job.fail(500, "drawing the next token failed (the server log has the details)");
                finished.add(job);
            }
        }
        active.removeAll(finished);
    }

    /** Tokens per expert in the step just run, per layer (null for a dense layer), from the routing the engine reports. */
    private static final class ExpertLoads implements ForwardObserver {
        private final int[][] counts;

        ExpertLoads(ModelConfig config) {
            counts = new int[config.numLayers()][];
            for (int l = 0; l < counts.length; l++) {
                if (config.layers().get(l).feedForward() instanceof ModelConfig.Moe m) counts[l] = new int[m.numExperts()];
            }
        }

        void reset() {
            for (int[] c : counts) {
                if (c != null) java.util.Arrays.fill(c, 0);
            }
        }

        @Override
        public void routing(int layer, int[] experts, float[] weights, int T, int k) {
            for (int i = 0; i < T * k; i++) counts[layer][experts[i]]++;
        }

        List<int[]> perLayer() {
            List<int[]> out = new ArrayList<>(counts.length);
            for (int[] c : counts) out.add(c == null ? null : c.clone());
            return out;
        }
    }

    /** Stops the loop; running and queued requests fail with 503. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (CompletionJob job; (job = queue.poll()) != null; ) job.fail(503, "the server is shutting down");
    }
}
