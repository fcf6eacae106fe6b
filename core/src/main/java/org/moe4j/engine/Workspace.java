package org.moe4j.engine;

import java.util.EnumMap;
import java.util.Map;

/**
 * The scratch arrays of a forward pass, owned by one {@link DecoderModel} and reused from step to
 * step: each grows to the largest step seen and is never shrunk, so decoding allocates nothing once
 * the first steps have run. One forward pass at a time uses it.
 */
final class Workspace {
    /** The buffers, one per use, so no two uses can alias. */
    enum Buffer {
        HIDDEN, NORMED, BRANCH, ROPE, LOGITS, LAST_ROWS,
        Q, K, V, ATTENDED, SCORES, Q_LATENT, KV_COMPRESSED, KV_LATENT, KV_EXPANDED,
        ROUTER_LOGITS, ROUTING_WEIGHTS, EXPERT_IN, EXPERT_OUT, GATE, UP, SHARED, SCORE_SCRATCH,
        GROUP_WEIGHTS, GROUP_IN, GROUP_EXPERT_LOGITS, NODE_LOGIT, LEAF_HIDDEN
    }

    enum IntBuffer {
        IDS, ROW_SEQUENCE, ROW_POSITION, LAST_ROW, CHOSEN, EXPERT_COUNT, EXPERT_ORDER, EXPERT_FILL, EXPERT_POSITION,
        GROUP_CHOSEN, GROUP_COUNT, GROUP_ORDER, GROUP_FILL, LEAF, LEAF_COUNT, LEAF_ORDER, LEAF_FILL
    }

    private final Map<Buffer, float[]> floats = new EnumMap<>(Buffer.class);
    private final Map<IntBuffer, int[]> ints = new EnumMap<>(IntBuffer.class);

    /** A buffer of at least n floats; its contents are whatever the last use left. */
    float[] floats(Buffer b, int n) {
        float[] a = floats.get(b);
        if (a == null || a.length < n) {
            a = new float[Math.max(n, a == null ? 0 : a.length + a.length / 2)];
            floats.put(b, a);
        }
        return a;
    }

    /** A buffer of at least n floats, zeroed over [0, n). */
    float[] zeros(Buffer b, int n) {
        float[] a = floats(b, n);
        java.util.Arrays.fill(a, 0, n, 0f);
        return a;
    }

    int[] ints(IntBuffer b, int n) {
        int[] a = ints.get(b);
        if (a == null || a.length < n) {
            a = new int[Math.max(n, a == null ? 0 : a.length + a.length / 2)];
            ints.put(b, a);
        }
        return a;
    }
}
