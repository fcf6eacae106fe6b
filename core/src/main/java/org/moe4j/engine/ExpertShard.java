package org.moe4j.engine;

import java.lang.foreign.MemorySegment;
import org.moe4j.dist.Communicator;

/**
 * This rank's share of the experts when one model is served by a group of ranks
 * ({@link DecoderModel#splitExpertsOver}): every rank runs attention and routing itself and computes
 * only the experts of its contiguous range, rank r owning experts [r E/N, (r + 1) E/N) of a layer
 * with E experts on N ranks. The outputs of the routed pairs are grouped by expert, so rank r's
 * rows are one block; every rank knows every block's size (routing runs on every rank alike), and
 * one in-place all-gather per layer brings each rank the others' blocks. The rows are copied, not
 * added, so every rank holds the single-process rows bit for bit before it adds them to their
 * tokens in the single-process order. (An all-reduce of the whole buffer with zeros outside a
 * rank's rows gives the same bits, since x + 0 = x, but moves about twice the bytes and adds them:
 * docs/distributed.md measures both.)
 */
final class ExpertShard {
    private final Communicator group;

    ExpertShard(Communicator group) {
        this.group = group;
    }

    /** The first expert of this rank's range among {@code experts}. */
    int first(int experts) {
        return experts / group.size() * group.rank();
    }

    /** One past the last expert of this rank's range among {@code experts}. */
    int end(int experts) {
        return experts / group.size() * (group.rank() + 1);
    }

    /**
     * Completes the pair outputs ye (rows of {@code hidden} floats grouped by expert, expert e's rows
     * [start[e], start[e + 1]) of {@code experts}) with the other ranks' blocks; this rank's rows are computed.
     */
    void gather(float[] ye, int[] start, int experts, int hidden) {
        int ranks = group.size();
        if (ranks == 1) return;
        int[] counts = new int[ranks];
        int per = experts / ranks;
        for (int r = 0; r < ranks; r++) counts[r] = (start[(r + 1) * per] - start[r * per]) * hidden;
        group.allGather(MemorySegment.ofArray(ye), counts);
    }
}
