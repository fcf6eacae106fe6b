package org.moe4j.server;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.moe4j.engine.Sequence;
import org.moe4j.infer.Sampler;
import org.moe4j.text.Tokenizer;

/**
 * One request inside the scheduler: its sequence state (blocks of the KV pool), sampler, where it
 * is in its prompt (a long prompt is fed in chunks over several steps), the tokens it has drawn,
 * and the events the HTTP side reads. The scheduler thread alone touches the state; {@link #cancel}
 * may come from any thread.
 *
 * <p>A job can be preempted when the pool runs out of blocks: its blocks go back, and when it is
 * admitted again it recomputes its prompt and the tokens drawn so far as one longer prompt (the
 * same bits, since every row of a step depends on its own sequence only), then draws on with the
 * same sampler, so the client sees one uninterrupted answer.
 */
final class CompletionJob {
    final Generation request;
    final long submittedNanos;
    private final TokenDecoder decoder;
    private final int drawable;
    private final Sampler sampler;
    private final CompletionText text;
    private final BlockingQueue<CompletionEvent> events = new LinkedBlockingQueue<>();
    /** Whether the client reads the text as it is drawn; if not, it is sent in one event at the end. */
    private final boolean streamed;
    /** Text drawn but not yet sent (an answer that is not streamed). */
    private final StringBuilder unsent = new StringBuilder();
    private volatile boolean cancelled;
    private Sequence state;
    private int[] context;      // the tokens to hold: the prompt, then (after a preemption) also those drawn
    private int fed;            // how many of them are in the cache
    private int[] drawn = new int[16];
    private int generated;
    private int limit;
    private long firstTokenNanos;
    private boolean preempted;

    /**
     * A job whose text is sent as it is drawn ({@code streamed}) or in one event when it ends: a
     * waiting HTTP thread woken for every token of every sequence would take a core's time from the
     * step on a small machine, more the larger the batch.
     */
    CompletionJob(Generation request, Tokenizer tokenizer, boolean streamed) {
        this.request = request;
        this.streamed = streamed;
        this.decoder = TokenDecoder.of(tokenizer);
        this.drawable = tokenizer.vocabSize();
        this.sampler = new Sampler(request.sampling());
        this.text = new CompletionText(request.stop());
        this.submittedNanos = System.nanoTime();
        this.context = request.promptTokens();
    }

    /** The client has gone or given up: the scheduler drops the job before its next step. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    BlockingQueue<CompletionEvent> events() {
        return events;
    }

    /** The tokens the job's sequence must hold before it can draw (the prompt, longer after a preemption). */
    int[] contextTokens() {
        return context;
    }

    /**
     * Joins the batch with a sequence that already holds the first {@code reused} context tokens (a
     * shared prefix). At most min(max_tokens, context - prompt) tokens are drawn: the server does
     * not shift the context as EngineGenerator does, it ends the answer with finish_reason "length".
     */
    void start(Sequence fresh, int reused, int contextLength) {
        state = fresh;
        fed = reused;
        limit = Math.min(request.maxTokens(), contextLength - request.promptTokens().length);
    }

    /** Whether the job has given its blocks back once (its next admission is a resumption, not its first). */
    boolean wasPreempted() {
        return preempted;
    }

    Sequence state() {
        return state;
    }

    /** Whether prompt tokens are still to be fed before the next draw. */
    boolean prefilling() {
        return fed < context.length;
    }

    /** Context tokens not in the cache yet. */
    int remainingPrompt() {
        return context.length - fed;
    }

    /** The tokens this job brings to the next step: at most {@code chunk} prompt tokens while prefilling, else the last drawn. */
    int[] pending(int chunk) {
        if (prefilling()) return Arrays.copyOfRange(context, fed, Math.min(context.length, fed + chunk));
        return new int[] {drawn[generated - 1]};
    }

    /** The step fed {@code n} tokens of this job. */
    void fed(int n) {
        if (prefilling()) fed += n;
    }

    /** Gives the blocks back and starts over from the prompt and the tokens drawn (recomputed when admitted again). */
    void preempt() {
        preempted = true;
        state.release();
        state = null;
        int[] all = Arrays.copyOf(request.promptTokens(), request.promptTokens().length + generated);
        System.arraycopy(drawn, 0, all, request.promptTokens().length, generated);
        context = all;
        fed = 0;
    }

    /** Gives the blocks back (the job has ended or failed). */
    void release() {
        if (state != null) state.release();
        state = null;
    }

    /**
     * Draws the next token from this job's row of logits and records it; returns true when the
     * completion has ended (a stop id, which is not emitted, a stop string or the token limit),
     * after sending the final events.
     */
    // logits: (S, V), this job's row at off
    boolean advance(float[] logits, int off, int vocab, Set<Integer> stopIds) {
        // a model's vocabulary is often padded beyond its tokenizer's (Qwen3: 151,936 rows for
        // 151,669 tokens): ids without text are never drawn
        int next = sampler.next(logits, off, Math.min(vocab, drawable));
        if (generated == 0) firstTokenNanos = System.nanoTime();
        int promptTokens = request.promptTokens().length;
        if (stopIds.contains(next)) {
            text.add(decoder.flush());
            String rest = unsent + text.takeRest();
            if (!rest.isEmpty()) events.add(new CompletionEvent.Text(rest));
            events.add(new CompletionEvent.Finished("stop", promptTokens, generated));
            return true;
        }
        if (generated == drawn.length) drawn = Arrays.copyOf(drawn, 2 * generated);
        drawn[generated++] = next;
        boolean stopped = text.add(decoder.add(next));
        boolean done = stopped || generated >= limit;
        if (done && !stopped) stopped = text.add(decoder.flush());
        String delta = done ? text.takeRest() : text.takeSendable();
        if (!streamed && !done) {
            unsent.append(delta);
        } else {
            if (!unsent.isEmpty()) delta = unsent + delta;
            if (!delta.isEmpty()) events.add(new CompletionEvent.Text(delta));
        }
        if (done) events.add(new CompletionEvent.Finished(stopped ? "stop" : "length", promptTokens, generated));
        return done;
    }

    void fail(int status, String message) {
        events.add(new CompletionEvent.Failed(status, message));
    }

    int generated() {
        return generated;
    }

    /** Seconds from submission to the first token, or -1 before it. */
    double timeToFirstTokenSeconds() {
        return generated == 0 ? -1 : (firstTokenNanos - submittedNanos) / 1e9;
    }
}
