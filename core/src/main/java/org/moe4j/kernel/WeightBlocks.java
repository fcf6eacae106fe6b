package org.moe4j.kernel;

import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.VL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

/**
 * What the register blocks of {@link WeightProduct} share ({@link F32Blocks}, {@link Bf16Blocks},
 * and {@link ArrayBlocks} for half weights widened by {@link F16Blocks}), and the constants of their
 * lane sums. Every
 * output, whichever block computes it, is the same sequence of float32 operations:
 * <pre>
 *   acc[l] = fma(x[c], w[c], acc[l])  over the columns c of lane l, in order, below the last whole chunk, from 0
 *   s[l]   = s[l] + s[l + h]          for h = VL/2, VL/4, ..., 1 (s = acc; a fixed pairwise tree)
 *   y      = fma(x[c], w[c], y)       for each c of the tail in order, from y = s[0]
 * </pre>
 * so an output depends on its own row of x and row of W only, never on the block shape, the other
 * tokens of the batch, or the thread that runs it. Lane l's columns are l, l + VL, l + 2 VL, ... for
 * float32 and half (chunks of VL columns); for bfloat16 they are 2l and 2l + 1 of each chunk of 2 VL
 * columns, even before odd, because one 32-bit load holds two bfloat16 values, and shifting it left
 * by 16 gives the even one and masking off its low half the odd one: two instructions widen 2 VL
 * weights, where a widening load of VL of them takes two (a 16-to-32-bit move and a shift); x's
 * columns are permuted to match, once per call (see {@link Bf16Blocks}).
 *
 * <p>The blocks are 4 rows x 4 tokens (each widened weight vector used by 4 tokens, each token
 * vector by 4 rows: 16 accumulators, 8 loads per 16 fused multiply-adds), 4 rows x 1 token (the
 * matrix-vector product of decoding: four independent chains hide the FMA latency, four streams
 * of weights in flight) and 1 x 1 for the rows left over. A 4-row block sums the lanes of its
 * four accumulators together: the first two halving steps take two vectors at once (the halves of
 * one beside the halves of the other, by two-vector selects), so four outputs cost 6 selects, 3
 * adds and the remaining in-vector steps instead of 4 full trees; on 16-lane vectors, when no tail
 * columns follow, a 4 x 4 block takes all four halving steps two vectors at a time, sixteen outputs
 * in one vector ({@link F32Blocks#rows4Tokens4Whole}; the attention scores of 16 keys the same way).
 * Each output still sees exactly the additions of the tree above, in the same order and with the
 * same operands first.
 *
 * <p>The widening load is written into each format's copy of the blocks rather than chosen by a
 * switch inside the loop: the Vector API keeps values in registers only when every call in the
 * loop is inlined with one known type, and a loop that switched on the format measured 10 times
 * slower once two formats had run. For the same reason the reductions are written out in each
 * block, and only helpers of a few bytecodes (always inlined) take a vector: a vector passed to a
 * method the JIT does not inline is allocated on the heap.
 */
final class WeightBlocks {
    // lane i + h, for the halving steps within one vector (null where h >= VL); constants, kept in registers
    static final VectorShuffle<Float> FOLD32 = fold(32), FOLD16 = fold(16), FOLD8 = fold(8), FOLD4 = fold(4),
            FOLD2 = fold(2), FOLD1 = fold(1);
    // two-vector selects (index < VL: first vector, else the second) for the first two halving steps of 4 outputs:
    // PAIR_LO = [u's first half, v's first half], PAIR_HI = [u's second half, v's second half]; then, on two
    // vectors that each hold two outputs' halves, QUAD_LO/HI = the first/second quarter of each of the four
    static final FloatVector PAIR_LO = indices(0, 0), PAIR_HI = indices(0, 1), QUAD_LO = indices(1, 0),
            QUAD_HI = indices(1, 1);
    // on 16-lane vectors, the last two halving steps of the same two-vector kind, for 16 outputs at once: on two
    // vectors that each hold four outputs' quarters, EIGHTH_LO/HI = the first/second eighth of each of the eight;
    // then on two that hold eight outputs' eighths, SIXTEENTH_LO/HI = each of the sixteen's two lanes (null below 16 lanes)
    static final FloatVector EIGHTH_LO = VL >= 16 ? indices(2, 0) : null, EIGHTH_HI = VL >= 16 ? indices(2, 1) : null,
            SIXTEENTH_LO = VL >= 16 ? indices(3, 0) : null, SIXTEENTH_HI = VL >= 16 ? indices(3, 1) : null;

    private WeightBlocks() {}

    private static VectorShuffle<Float> fold(int h) {
        return h < VL ? VectorShuffle.iota(F, h, 1, true) : null;
    }

    /** Select indices of two-vector halving step {@code step} (0 = the first), first or second part. */
    private static FloatVector indices(int step, int part) {
        if (VL < 4) {
            throw new IllegalStateException("WeightProduct needs vectors of at least 4 floats; this machine's are " + VL);
        }
        int group = VL >> (step + 1);
        int outputs = 1 << step;
        float[] idx = new float[VL];
        for (int i = 0; i < VL; i++) {
            // output group k (of `group` lanes) is the k-th own group of the inputs, u's before v's (each input holds
            // `outputs` groups of 2 * group lanes, at lanes 0, 2 * group, ...); `part` picks its first or second half
            int k = i / group, m = i % group;
            idx[i] = (k < outputs ? 0 : VL) + (k % outputs) * 2 * group + part * group + m;
        }
        return FloatVector.fromArray(F, idx, 0);
    }

    /** y[i] = v, or y[i] + v when {@code add} (WeightProduct.multiplyAdd): the product is complete before it is added. */
    static void store(float[] y, int i, float v, boolean add) {
        y[i] = add ? y[i] + v : v;
    }
}
