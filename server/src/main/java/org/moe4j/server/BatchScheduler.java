package org.moe4j.server;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.KvPool;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.Sequence;

/**
 * Continuous batching (Yu et al. 2022, "Orca", iteration-level scheduling) over a paged KV cache
 * (Kwon et al. 2023, "vLLM"). One thread owns the model and the pool and loops:
 * <ol>
 * <li>drop cancelled jobs (their blocks go back at once);</li>
 * <li>admit waiting jobs, held ones first, while the batch has room and the pool has the
 *     blocks of the job's prompt (less the prefix it shares with published blocks) plus one block
 *     of headroom per running sequence;</li>
 * <li>run ONE {@link org.moe4j.engine.DecoderModel#forward} step: one token of every decoding
 *     sequence and at most {@code prefillChunk} prompt tokens in all of the sequences still reading
 *     their prompts (chunked prefill: a long prompt never stalls the others' decoding for more than
 *     one chunk); if the pool cannot hold the step, the newest decoding jobs are held;</li>
 * <li>draw each finished-prompt sequence's next token with its own sampler; publish a prompt's
 *     whole blocks for reuse when it has been read; retire finished jobs, whose blocks go back.</li>
 * </ol>
 * On rank 0 of a serving group ({@link CompletionServer#startLeader}) each step is first broadcast to
 * the other ranks ({@link ReplicaStep}, {@link ReplicaRank}), and an idle turn of the loop sends an
 * idle step, so every rank enters the same collectives in the same order.
 */
final class BatchScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BatchScheduler.class.getName());

    /** Why a request was not queued. */
    enum Refusal { NONE, QUEUE_FULL, KV_POOL_FULL }

    private final ServedModel served;
    private final int maxBatch;
    private final KvCacheConfig kv;
    private final KvPool pool;
    private final BlockingQueue<CompletionJob> queue;
    /** Jobs taken out of the queue but not running: preempted ones (first), and the one taken while the batch was empty. */
    private final Deque<CompletionJob> held = new ArrayDeque<>();
    private final ServerMetrics metrics;
    private final List<CompletionJob> active = new ArrayList<>();
    private final ExpertLoads loads;
    private final Thread thread;
    private final AtomicInteger waitingBlocks = new AtomicInteger();
    private volatile boolean running = true;
    private volatile int activeCount;
    private volatile int availableBlocks;
    /** The other ranks of a serving group, or null serving alone. */
    private final ReplicaChannel replicas;
    /** Told when the group can no longer stay in step (a failed step on this rank): it must end every rank. */
    private final Consumer<Throwable> groupFailure;
    /** The id each live sequence has on the replicas, and the next id to give. */
    private final Map<Sequence, Integer> replicaIds = new IdentityHashMap<>();
    private int nextReplicaId;

    BatchScheduler(ServedModel served, ServerConfig config, ServerMetrics metrics) {
        this(served, config, metrics, null, null);
    }

    BatchScheduler(ServedModel served, ServerConfig config, ServerMetrics metrics, ReplicaChannel replicas,
                   Consumer<Throwable> groupFailure) {
        if (replicas != null && config.kvCache().prefixReuse() == KvCacheConfig.PrefixReuse.ON) {
            // a reused prefix lives in rank 0's pool only; the replicas would have to replay every publish and eviction
            throw new IllegalArgumentException("prefix reuse is ON, but a serving group needs it OFF (--no-prefix-reuse)");
        }
        this.replicas = replicas;
        this.groupFailure = groupFailure;
        this.served = served;
        this.maxBatch = config.maxBatch();
        this.kv = config.kvCache();
        long bytesPerBlock = (long) served.model().config().numLayers() * kv.blockSize()
                * perPositionFloats(served) * Float.BYTES;
        int blocks = kv.blocksFor(maxBatch, served.contextLength(), bytesPerBlock, Runtime.getRuntime().maxMemory());
        this.pool = served.model().newPool(blocks, kv.blockSize());
        this.availableBlocks = pool.available();
        this.queue = new ArrayBlockingQueue<>(config.maxQueue());
        this.metrics = metrics;
        this.loads = new ExpertLoads(served.model().config());
        metrics.gauges(queue::size, () -> activeCount);
        metrics.pool(pool.blocks(), pool.blockSize(), () -> pool.blocks() - availableBlocks);
        this.thread = Thread.ofPlatform().name("moe4j-scheduler").daemon(true).start(this::loop);
    }

    /** Floats a position takes in one layer: its key row and its value row. */
    private static int perPositionFloats(ServedModel served) {
        var a = served.model().config().attention();
        return a.kvHeads() * (a.headDim() + a.valueDim());
    }

    /**
     * Queues a job, or says why not: the queue is full, or the blocks the waiting prompts need with
     * this one exceed what the pool has free (the caller answers 429); 503 once closed.
     */
    Refusal submit(CompletionJob job) {
        if (!running) throw new BadRequestException(503, null, "the server is shutting down");
        int need = pool.blocksFor(job.contextTokens().length);
        if (waitingBlocks.get() + need > availableBlocks && (queue.size() > 0 || activeCount > 0)) return Refusal.KV_POOL_FULL;
        waitingBlocks.addAndGet(need);
        if (queue.offer(job)) return Refusal.NONE;
        waitingBlocks.addAndGet(-need);
        return Refusal.QUEUE_FULL;
    }

    int queueLength() {
        return queue.size();
    }

    int activeSequences() {
        return activeCount;
    }

    /** Blocks in the pool and how many a sequence could take now (free or cached), as of the last step. */
    int poolBlocks() {
        return pool.blocks();
    }

    int availableBlocks() {
        return availableBlocks;
    }

    private void loop() {
        if (replicas != null) {
            try {
                replicas.sendPool(pool.blocks(), pool.blockSize());
            } catch (RuntimeException e) {
                running = false;
                groupFailure.accept(e);
                return;
            }
        }
        while (running) {
            try {
                if (active.isEmpty() && held.isEmpty()) {
                    CompletionJob first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first != null) {
                        waitingBlocks.addAndGet(-pool.blocksFor(first.contextTokens().length));
                        held.addLast(first);
                    }
                }
                dropCancelled();
                admit();
                activeCount = active.size();
                if (!active.isEmpty()) {
                    step();
                } else if (replicas != null) {
                    replicas.send(new ReplicaStep(ReplicaStep.Kind.IDLE, freedOnReplicas(), new int[0], new int[0], List.of()));
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "the model step failed for " + active.size() + " sequences", e);
                for (CompletionJob job : active) {
                    job.release();
                    job.fail(500, "the model step failed (the server log has the details)");
                }
                active.clear();
                if (replicas != null) {
                    // the other ranks may be inside this step's collectives: the group cannot go on
                    running = false;
                    groupFailure.accept(e);
                    return;
                }
            }
            // the blocks first: a reader that sees no active sequence also sees the blocks they gave back
            availableBlocks = pool.available();
            activeCount = active.size();
        }
        for (CompletionJob job : active) job.fail(503, "the server is shutting down");
        active.clear();
        if (replicas != null) replicas.send(ReplicaStep.STOP);
        for (CompletionJob job : held) job.fail(503, "the server is shutting down");
        held.clear();
        for (CompletionJob job; (job = queue.poll()) != null; ) job.fail(503, "the server is shutting down");
    }

    private void dropCancelled() {
        active.removeIf(job -> {
            if (!job.cancelled()) return false;
            job.release();
            metrics.cancelled();
            return true;
        });
        held.removeIf(job -> {
            if (job.cancelled()) metrics.cancelled();
            return job.cancelled();
        });
    }

    /** Admits held jobs, then queued ones, in order, while the batch and the pool have room. */
    private void admit() {
        while (active.size() < maxBatch) {
            CompletionJob job = held.peekFirst();
            boolean fromQueue = job == null;
            if (fromQueue) job = queue.peek();
            if (job == null) return;
            if (job.cancelled()) {
                take(fromQueue);
                metrics.cancelled();
                continue;
            }
            int[] context = job.contextTokens();
            Sequence seq = pool.newSequence(served.contextLength());
            int reused = kv.prefixReuse() == KvCacheConfig.PrefixReuse.ON ? seq.reusePrefix(context, 1) : 0;
            // blocks already promised: the rest of the prompts being read, and one per decoding sequence to grow into
            int promised = 0;
            for (CompletionJob a : active) {
                promised += a.prefilling() ? a.state().blocksNeeded(a.contextTokens().length) : 1;
            }
            if (seq.blocksNeeded(context.length) + promised > pool.available()) {
                seq.release();
                return;
            }
            take(fromQueue);
            job.start(seq, reused, served.contextLength());
            metrics.admitted(context.length, reused, job.wasPreempted() ? -1 : (System.nanoTime() - job.submittedNanos) / 1e9);
            active.add(job);
        }
    }

    private void take(boolean fromQueue) {
        if (fromQueue) {
            CompletionJob job = queue.poll();
            waitingBlocks.addAndGet(-pool.blocksFor(job.contextTokens().length));
        } else {
            held.pollFirst();
        }
    }

    private void step() {
        // what each active job feeds: decoding ones one token, prompt readers a share of the chunk
        List<CompletionJob> batch = new ArrayList<>(active.size());
        List<int[]> tokens = new ArrayList<>(active.size());
        int budget = kv.prefillChunk();
        for (CompletionJob job : active) {
            int n = job.prefilling() ? Math.min(job.remainingPrompt(), budget) : 1;
            if (n == 0) continue;
            if (job.prefilling()) budget -= n;
            batch.add(job);
            tokens.add(job.pending(n));
        }
        makeRoom(batch, tokens);
        List<Sequence> states = new ArrayList<>(batch.size());
        int prefilled = 0;
        int drawing = 0;
        for (int s = 0; s < batch.size(); s++) {
            states.add(batch.get(s).state());
            if (batch.get(s).prefilling()) prefilled += tokens.get(s).length;
        }
        if (replicas != null) replicas.send(replicaStep(states, tokens));
        loads.reset();
        long t0 = System.nanoTime();
        float[] logits = served.model().forward(states, tokens, false, loads);
        int vocab = served.model().config().vocabSize();
        List<CompletionJob> finished = new ArrayList<>();
        for (int s = 0; s < batch.size(); s++) {
            CompletionJob job = batch.get(s);
            boolean wasReading = job.prefilling();
            job.fed(tokens.get(s).length);
            if (job.prefilling()) continue;
            if (wasReading && kv.prefixReuse() == KvCacheConfig.PrefixReuse.ON) job.state().publishPrefix(job.contextTokens());
            drawing++;
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
        metrics.step(batch.size(), prefilled, drawing, (System.nanoTime() - t0) / 1e9, loads.perLayer());
        for (CompletionJob job : finished) job.release();
        active.removeAll(finished);
    }

    /** The step as the replicas replay it: the sequences freed since the last one, then each sequence's id, position and tokens. */
    private ReplicaStep replicaStep(List<Sequence> states, List<int[]> tokens) {
        int[] freed = freedOnReplicas();
        int[] ids = new int[states.size()];
        int[] positions = new int[states.size()];
        for (int s = 0; s < ids.length; s++) {
            Sequence seq = states.get(s);
            Integer id = replicaIds.get(seq);
            if (id == null) {
                id = nextReplicaId++;
                replicaIds.put(seq, id);
            }
            ids[s] = id;
            positions[s] = seq.length();
        }
        return new ReplicaStep(ReplicaStep.Kind.STEP, freed, ids, positions, List.copyOf(tokens));
    }

    /** The ids of the sequences no active job holds any more (finished, cancelled, preempted, failed), forgotten here. */
    private int[] freedOnReplicas() {
        Set<Sequence> live = Collections.newSetFromMap(new IdentityHashMap<>());
        for (CompletionJob job : active) {
            if (job.state() != null) live.add(job.state());
        }
        int[] freed = new int[replicaIds.size()];
        int n = 0;
        for (var it = replicaIds.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!live.contains(e.getKey())) {
                freed[n++] = e.getValue();
                it.remove();
            }
        }
        return Arrays.copyOf(freed, n);
    }

    /**
     * Preempts the newest jobs until the pool holds everything the step brings: a job admitted
     * later gives way to earlier ones, which are closer to their end. The oldest job always stays,
     * and the pool holds one whole context, so it always fits.
     */
    private void makeRoom(List<CompletionJob> batch, List<int[]> tokens) {
        while (true) {
            int need = 0;
            for (int s = 0; s < batch.size(); s++) {
                Sequence seq = batch.get(s).state();
                need += seq.blocksNeeded(seq.length() + tokens.get(s).length);
            }
            if (need <= pool.available() || active.size() == 1) return;
            CompletionJob job = active.removeLast();
            int at = batch.indexOf(job);
            if (at >= 0) {
                batch.remove(at);
                tokens.remove(at);
            }
            job.preempt();
            held.addFirst(job);
            metrics.preempted();
        }
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
        // in a group the loop must leave by itself (it polls every 100 ms): an interrupt inside a collective would break it
        if (replicas == null) thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (CompletionJob job; (job = queue.poll()) != null; ) job.fail(503, "the server is shutting down");
    }
}
