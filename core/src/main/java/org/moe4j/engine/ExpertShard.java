package org.moe4j.engine;

import java.lang.foreign.MemorySegment;
import org.moe4j.dist.Communicator;

/**
 * This rank's share of the experts when one model is served by a group of ranks
 * ({@link DecoderModel#splitExpertsOver}): every rank runs attention and routing itself and computes
 * only the experts of its contiguous range, rank r owning experts [r E/N, (r + 1) E/N) of a layer
 * with E experts on N ranks. The outputs of the routed pairs, rows of experts owned elsewhere left
 * zero, are then summed over the group by one all-reduce; each row is nonzero on exactly one rank, so
 * the sum is that rank's value exactly (x + 0 = x) and every rank holds the single-process rows bit for
 * bit before it adds them to their tokens in the single-process order.
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

    /** Completes the pair outputs ye[0, count) computed for this rank's experts with the other ranks' rows. */
    void sum(float[] ye, int count) {
        if (group.size() > 1) group.allReduceSum(MemorySegment.ofArray(ye), count);
    }
}
