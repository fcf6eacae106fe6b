package org.moe4j.tensor;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Float arrays the passes of one layer lend each other. A pass takes the arrays it needs (a MoE
 * layer's gathered rows, the experts' hidden activations and their gradients; attention's
 * projections and probabilities; the outputs of norms, residual additions and linear maps, which the
 * op's backward gives back once every consumer of the output has run its own) and its backward
 * gives them back, so the next step takes them again instead of allocating new ones: a training step of the
 * default model allocated 0.9 GB, and the JVM zeroes every new array with a memset that took 6% of
 * the step's CPU samples (perf, 2026-12-06), a quarter of it on these arrays.
 *
 * <p>A taken array holds whatever it held before: the taker writes every element it reads. An array
 * is taken by one pass at a time (take removes it), so two passes alive at once never share one; a
 * pass whose backward never runs (evaluation, a dropped graph) simply leaves its arrays to the GC.
 * At most {@link #KEPT} arrays are kept, the newest; an array is handed out only for its exact length.
 */
public final class ScratchArrays {
    /** Enough for the arrays of a forward and a backward pass of one layer. */
    public static final int KEPT = 16;
    /** Keeps nothing: every take is a new array. */
    public static final ScratchArrays NONE = new ScratchArrays(0);

    private final int kept;
    private final ArrayDeque<float[]> free = new ArrayDeque<>();

    public ScratchArrays() {
        this(KEPT);
    }

    private ScratchArrays(int kept) {
        this.kept = kept;
    }

    /** An array of length n: a kept one (old values) or a new one. */
    public synchronized float[] take(int n) {
        for (Iterator<float[]> it = free.iterator(); it.hasNext(); ) {
            float[] a = it.next();
            if (a.length == n) {
                it.remove();
                return a;
            }
        }
        return new float[n];
    }

    /** Gives arrays back (nulls are skipped); the caller must not touch them again. */
    public synchronized void give(float[]... arrays) {
        for (float[] a : arrays) {
            if (a == null || kept == 0) continue;
            free.addFirst(a);
            if (free.size() > kept) free.removeLast();
        }
    }

    /** Arrays kept now (for tests). */
    public synchronized int size() {
        return free.size();
    }
}
