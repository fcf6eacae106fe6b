package org.moe4j.server;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} shows: requests by status, request latency and time to first token,
 * prompt and generated tokens, generated tokens per second over the last ten seconds, steps and
 * their batch sizes, queue length and active sequences, and tokens computed per expert per MoE
 * layer. Thread-safe: HTTP threads record requests, the scheduler records steps.
 */
public final class ServerMetrics {
    private static final long RATE_WINDOW_NANOS = 10_000_000_000L;

    private final Map<Integer, Long> requestsByStatus = new TreeMap<>();
    private final Histogram latency = new Histogram(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
    private final Histogram firstToken = new Histogram(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private final Histogram batchSize = new Histogram(1, 2, 4, 8, 16, 32, 64, 128, 256, 512);
    private final Histogram stepPromptTokens = new Histogram(0, 1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096);
    private final Histogram stepDuration = new Histogram(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);
    private final Histogram queueWait = new Histogram(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private long maxStepPromptTokens;
    private final ArrayDeque<long[]> recentTokens = new ArrayDeque<>();
    private long promptTokens;
    private long generatedTokens;
    private long steps;
    private long cancelled;
    private long[][] expertTokens = new long[0][];
    /** The experts kept in RAM and their hits ({@code --experts-in-ram}), read when the metrics are rendered; null without. */
    private java.util.function.Supplier<List<org.moe4j.engine.ExpertResidency.LayerStats>> expertResidency;
    private long promptTokensAdmitted;
    private long prefixTokensReused;
    private long preemptions;
    private int poolBlocks;
    private int blockSize;
    private IntSupplier blocksInUse = () -> 0;
    private IntSupplier queueLength = () -> 0;
    private IntSupplier activeSequences = () -> 0;

    synchronized void gauges(IntSupplier queue, IntSupplier active) {
        this.queueLength = queue;
        this.activeSequences = active;
    }

    /** The KV pool: its blocks, their size, and how many are taken (by sequences or cached prefixes) now. */
    synchronized void pool(int blocks, int positionsPerBlock, IntSupplier taken) {
        this.poolBlocks = blocks;
        this.blockSize = positionsPerBlock;
        this.blocksInUse = taken;
    }

    /**
     * A job joined the batch with a prompt of {@code promptTokens}, of which {@code reused} came from
     * cached blocks, {@code waitedSeconds} after it was submitted (negative: a preempted job coming
     * back, whose wait is not a queueing delay of a new request).
     */
    synchronized void admitted(int promptTokens, int reused, double waitedSeconds) {
        promptTokensAdmitted += promptTokens;
        prefixTokensReused += reused;
        if (waitedSeconds >= 0) queueWait.observe(waitedSeconds);
    }

    synchronized void preempted() {
        preemptions++;
    }

    /** Prompt tokens taken from cached blocks over prompt tokens admitted (0 before any). */
    synchronized double prefixHitRate() {
        return promptTokensAdmitted == 0 ? 0 : (double) prefixTokensReused / promptTokensAdmitted;
    }

    synchronized void request(int status, double seconds) {
        requestsByStatus.merge(status, 1L, Long::sum);
        if (status == 200 && seconds >= 0) latency.observe(seconds);
    }

    synchronized void cancelled() {
        cancelled++;
    }

    synchronized void firstToken(double seconds) {
        firstToken.observe(seconds);
    }

    /**
     * One scheduler step: sequences in the batch, prompt tokens prefilled, tokens drawn, its wall
     * time (the model's forward pass and the drawing of the tokens), and the tokens each expert of
     * each MoE layer computed (null entries for dense layers).
     */
    synchronized void step(int sequences, int prefilled, int drawn, double seconds, List<int[]> tokensPerExpert) {
        steps++;
        stepDuration.observe(seconds);
        batchSize.observe(sequences);
        stepPromptTokens.observe(prefilled);
        maxStepPromptTokens = Math.max(maxStepPromptTokens, prefilled);
        promptTokens += prefilled;
        generatedTokens += drawn;
        long now = System.nanoTime();
        recentTokens.addLast(new long[] {now, drawn});
        while (!recentTokens.isEmpty() && now - recentTokens.peekFirst()[0] > RATE_WINDOW_NANOS) recentTokens.removeFirst();
        if (expertTokens.length != tokensPerExpert.size()) expertTokens = new long[tokensPerExpert.size()][];
        for (int l = 0; l < tokensPerExpert.size(); l++) {
            int[] counts = tokensPerExpert.get(l);
            if (counts == null) continue;
            if (expertTokens[l] == null || expertTokens[l].length != counts.length) expertTokens[l] = new long[counts.length];
            for (int e = 0; e < counts.length; e++) expertTokens[l][e] += counts[e];
        }
    }

    /** The most prompt tokens one step has computed (chunked prefill bounds it). */
    synchronized long maxStepPromptTokens() {
        return maxStepPromptTokens;
    }

    private static void residency(StringBuilder out, List<org.moe4j.engine.ExpertResidency.LayerStats> stats) {
        PrometheusText.header(out, "moe4j_experts_in_ram", "gauge", "Experts of each MoE layer kept in RAM (--experts-in-ram, --memory).");
        for (var s : stats) out.append("moe4j_experts_in_ram{layer=\"").append(s.layer()).append("\"} ").append(s.resident()).append('\n');
        PrometheusText.header(out, "moe4j_expert_lookups_total", "counter", "Routed (token, expert) pairs of each MoE layer.");
        for (var s : stats) out.append("moe4j_expert_lookups_total{layer=\"").append(s.layer()).append("\"} ").append(s.lookups()).append('\n');
        PrometheusText.header(out, "moe4j_expert_hits_total", "counter", "Routed pairs whose expert was in RAM.");
        for (var s : stats) out.append("moe4j_expert_hits_total{layer=\"").append(s.layer()).append("\"} ").append(s.hits()).append('\n');
        PrometheusText.header(out, "moe4j_expert_hit_rate", "gauge", "Hits over lookups of each MoE layer, since the start.");
        for (var s : stats) {
            out.append("moe4j_expert_hit_rate{layer=\"").append(s.layer()).append("\"} ").append(PrometheusText.number(s.hitRate())).append('\n');
        }
    }

    synchronized long preemptions() {
        return preemptions;
    }

    synchronized long generatedTokens() {
        return generatedTokens;
    }

    synchronized long requests(int status) {
        return requestsByStatus.getOrDefault(status, 0L);
    }

    /** Where to read the per-layer counts of experts kept in RAM from. */
    public synchronized void expertResidency(java.util.function.Supplier<List<org.moe4j.engine.ExpertResidency.LayerStats>> stats) {
        this.expertResidency = stats;
    }

    /** Everything in the Prometheus text format. */
    public synchronized String render() {
        StringBuilder out = new StringBuilder();
        PrometheusText.header(out, "moe4j_requests_total", "counter", "HTTP requests answered, by status code.");
        for (var e : requestsByStatus.entrySet()) {
            out.append("moe4j_requests_total{status=\"").append(e.getKey()).append("\"} ").append(e.getValue()).append('\n');
        }
        PrometheusText.header(out, "moe4j_request_duration_seconds", "histogram", "Time from receiving a completion request to its last byte (status 200).");
        latency.write(out, "moe4j_request_duration_seconds");
        PrometheusText.header(out, "moe4j_time_to_first_token_seconds", "histogram", "Time from submitting a completion to drawing its first token.");
        firstToken.write(out, "moe4j_time_to_first_token_seconds");
        PrometheusText.header(out, "moe4j_prompt_tokens_total", "counter", "Prompt tokens computed (tokens reused from cached prefix blocks are not).");
        out.append("moe4j_prompt_tokens_total ").append(promptTokens).append('\n');
        PrometheusText.header(out, "moe4j_generated_tokens_total", "counter", "Tokens generated.");
        out.append("moe4j_generated_tokens_total ").append(generatedTokens).append('\n');
        PrometheusText.header(out, "moe4j_generated_tokens_per_second", "gauge", "Tokens generated per second over the last 10 seconds.");
        long recent = 0;
        for (long[] r : recentTokens) recent += r[1];
        long now = System.nanoTime();
        boolean fresh = !recentTokens.isEmpty() && now - recentTokens.peekFirst()[0] <= RATE_WINDOW_NANOS;
        out.append("moe4j_generated_tokens_per_second ").append(PrometheusText.number(fresh ? recent / (RATE_WINDOW_NANOS / 1e9) : 0)).append('\n');
        PrometheusText.header(out, "moe4j_steps_total", "counter", "Batched model steps run by the scheduler.");
        out.append("moe4j_steps_total ").append(steps).append('\n');
        PrometheusText.header(out, "moe4j_batch_size", "histogram", "Sequences in each scheduler step.");
        batchSize.write(out, "moe4j_batch_size");
        PrometheusText.header(out, "moe4j_step_prompt_tokens", "histogram", "Prompt tokens computed in each scheduler step (chunked prefill bounds them).");
        stepPromptTokens.write(out, "moe4j_step_prompt_tokens");
        PrometheusText.header(out, "moe4j_step_duration_seconds", "histogram", "Wall time of each scheduler step: the batched forward pass and drawing the tokens.");
        stepDuration.write(out, "moe4j_step_duration_seconds");
        PrometheusText.header(out, "moe4j_queue_wait_seconds", "histogram", "Time from submitting a completion to its admission into the batch.");
        queueWait.write(out, "moe4j_queue_wait_seconds");
        PrometheusText.header(out, "moe4j_queue_length", "gauge", "Requests waiting for a batch slot.");
        out.append("moe4j_queue_length ").append(queueLength.getAsInt()).append('\n');
        PrometheusText.header(out, "moe4j_active_sequences", "gauge", "Sequences in the running batch.");
        out.append("moe4j_active_sequences ").append(activeSequences.getAsInt()).append('\n');
        PrometheusText.header(out, "moe4j_kv_blocks", "gauge", "Blocks of the paged KV cache (" + blockSize + " positions each).");
        out.append("moe4j_kv_blocks ").append(poolBlocks).append('\n');
        PrometheusText.header(out, "moe4j_kv_blocks_taken", "gauge", "KV blocks held by sequences or cached prefixes nobody uses yet.");
        out.append("moe4j_kv_blocks_taken ").append(blocksInUse.getAsInt()).append('\n');
        PrometheusText.header(out, "moe4j_prefix_reused_tokens_total", "counter", "Prompt tokens taken from cached blocks instead of computed.");
        out.append("moe4j_prefix_reused_tokens_total ").append(prefixTokensReused).append('\n');
        PrometheusText.header(out, "moe4j_prefix_hit_rate", "gauge", "Reused prompt tokens over admitted prompt tokens, since the start.");
        out.append("moe4j_prefix_hit_rate ").append(PrometheusText.number(prefixHitRate())).append('\n');
        PrometheusText.header(out, "moe4j_preemptions_total", "counter", "Sequences that gave their blocks back to be recomputed later.");
        out.append("moe4j_preemptions_total ").append(preemptions).append('\n');
        PrometheusText.header(out, "moe4j_cancelled_total", "counter", "Requests dropped because the client went away or timed out.");
        out.append("moe4j_cancelled_total ").append(cancelled).append('\n');
        PrometheusText.header(out, "moe4j_expert_tokens_total", "counter", "Tokens computed by each expert of each MoE layer.");
        for (int l = 0; l < expertTokens.length; l++) {
            if (expertTokens[l] == null) continue;
            for (int e = 0; e < expertTokens[l].length; e++) {
                out.append("moe4j_expert_tokens_total{layer=\"").append(l).append("\",expert=\"").append(e).append("\"} ")
                        .append(expertTokens[l][e]).append('\n');
            }
        }
        if (expertResidency != null) residency(out, expertResidency.get());
        return out.toString();
    }
}
