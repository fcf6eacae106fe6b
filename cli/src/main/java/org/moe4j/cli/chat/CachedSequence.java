package org.moe4j.cli.chat;

import java.util.Arrays;
import java.util.List;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;

/**
 * One sequence of the engine kept across the turns of a chat, with the ids its cache holds. A new
 * prompt usually extends what the cache holds (the last prompt, the answer, the next message), so
 * only its new ids are prefilled; where it departs from the cache (a template that drops the thinking
 * of earlier turns, a changed system message, forgotten exchanges) the cache is cut back to the common
 * prefix and the rest is prefilled. The logits are the same as a fresh prefill of the whole prompt,
 * bit for bit (the engine's products are batch-invariant; {@code SequenceTruncateTest}).
 */
final class CachedSequence {
    private final DecoderModel model;
    private final Sequence seq;
    private final int[] ids;   // ids[0, seq.length()): what the cache holds

    /** How a prompt was prefilled: the ids taken from the cache and the ids run through the model. */
    record Prefill(float[] logits, int reused, int prefilled, double seconds) {}

    CachedSequence(DecoderModel model, int context) {
        this.model = model;
        this.seq = model.newSequence(context);
        this.ids = new int[context];
    }

    int capacity() {
        return seq.capacity();
    }

    /** Whether the cache has no room for another id. */
    boolean full() {
        return seq.length() == seq.capacity();
    }

    /**
     * Brings the cache to hold exactly {@code prompt} and returns the logits after its last id (the
     * model's buffer: read them before the next call).
     */
    Prefill prefill(int[] prompt) {
        if (prompt.length == 0) throw new IllegalArgumentException("prefill: the prompt is empty");
        if (prompt.length > seq.capacity()) {
            throw new IllegalArgumentException("prefill: the prompt has " + prompt.length + " tokens, the context holds " + seq.capacity());
        }
        int common = Arrays.mismatch(ids, 0, seq.length(), prompt, 0, prompt.length);
        if (common < 0) common = prompt.length;   // the cache holds the prompt exactly
        common = Math.min(common, prompt.length - 1);   // the last id runs again for its logits
        seq.truncate(common);
        int[] fresh = Arrays.copyOfRange(prompt, common, prompt.length);
        long t0 = System.nanoTime();
        float[] logits = model.forward(List.of(seq), List.of(fresh), false, ForwardObserver.NONE);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.arraycopy(fresh, 0, ids, common, fresh.length);
        return new Prefill(logits, common, fresh.length, seconds);
    }

    /** Runs one generated id through the model; returns the logits after it. */
    float[] append(int id) {
        if (full()) throw new IllegalStateException("append: the context of " + seq.capacity() + " tokens is full");
        ids[seq.length()] = id;
        return model.forward(List.of(seq), List.of(new int[] {id}), false, ForwardObserver.NONE);
    }
}
