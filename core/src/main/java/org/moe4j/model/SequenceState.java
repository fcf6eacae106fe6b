package org.moe4j.model;

import org.moe4j.nn.AttentionCache;

/** The decoding state of one sequence: its KV cache in every layer. */
public final class SequenceState {
    private final AttentionCache[] caches;

    SequenceState(AttentionCache[] caches) {
        this.caches = caches;
    }

    /** Tokens consumed so far. */
    public int length() {
        return caches[0].length();
    }

    AttentionCache cache(int layer) {
        return caches[layer];
    }
}
