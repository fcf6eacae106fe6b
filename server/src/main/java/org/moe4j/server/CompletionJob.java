package org.moe4j.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.moe4j.infer.Sampler;
import org.moe4j.engine.Sequence;
import org.moe4j.text.Tokenizer;

/**
 * One request inside the scheduler: its sequence state (KV cache), sampler, the tokens to feed in
 * the next step (the prompt when admitted, then the last token drawn), and the events the HTTP
 * side reads. The scheduler thread alone touches the state; {@link #cancel} may come from any thread.
 */
final class CompletionJob {
    final Generation request;
    final long submittedNanos;
    private final TokenDecoder decoder;
    private final int drawable;
    private final Sampler sampler;
    private final CompletionText text;
    private final BlockingQueue<CompletionEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private Sequence state;
    private int[] pending;
    private int generated;
    private int limit;
    private long firstTokenNanos;

    CompletionJob(Generation request, Tokenizer tokenizer) {
        this.request = request;
        this.decoder = TokenDecoder.of(tokenizer);
        this.drawable = tokenizer.vocabSize();
        this.sampler = new Sampler(request.sampling());
        this.text = new CompletionText(request.stop());
        this.submittedNanos = System.nanoTime();
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

    /** Joins the batch with a fresh sequence; at most min(max_tokens, context - prompt) tokens: the server does not shift the context as Generator does. */
    void start(Sequence fresh, int context) {
        state = fresh;
        pending = request.promptTokens();
        limit = Math.min(request.maxTokens(), context - pending.length);
    }

    Sequence state() {
        return state;
    }

    /** The tokens this job brings to the next step. */
    int[] pending() {
        return pending;
    }

    /**
     * Draws the next token from this job's row of logits and records it; returns true when the
     * completion has ended (a stop id, which is not emitted, a stop string or the token limit),
     * after sending the final events.
     */
    // logits: (S, V), this job's row at off
    boolean advance(float[] logits, int off, int vocab, java.util.Set<Integer> stopIds) {
        // a model's vocabulary is often padded beyond its tokenizer's (Qwen3: 151,936 rows for
        // 151,669 tokens): ids without text are never drawn
        int next = sampler.next(logits, off, Math.min(vocab, drawable));
        if (generated == 0) firstTokenNanos = System.nanoTime();
        if (stopIds.contains(next)) {
            text.add(decoder.flush());
            String rest = text.takeRest();
            if (!rest.isEmpty()) events.add(new CompletionEvent.Text(rest));
            events.add(new CompletionEvent.Finished("stop", request.promptTokens().length, generated));
            return true;
        }
        generated++;
        pending = new int[] {next};
        boolean stopped = text.add(decoder.add(next));
        boolean done = stopped || generated >= limit;
        if (done && !stopped) stopped = text.add(decoder.flush());
        String delta = done ? text.takeRest() : text.takeSendable();
        if (!delta.isEmpty()) events.add(new CompletionEvent.Text(delta));
        if (done) events.add(new CompletionEvent.Finished(stopped ? "stop" : "length", request.promptTokens().length, generated));
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
