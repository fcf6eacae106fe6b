package org.moe4j.parallel;

import java.lang.foreign.MemorySegment;
import org.moe4j.dist.Communicator;

/**
 * A {@link Communicator} that counts what passes through it: calls, bytes this rank contributes
 * and wall time, for all-reduce and all-to-all separately, so a run can report what its
 * collectives cost (the inputs of the cost model in docs/distributed.md). Groups split from it
 * count into the same totals.
 */
final class CommunicationLog implements Communicator {
    /** Running totals shared by a group and the groups split from it. */
    static final class Totals {
        long allReduceCalls;
        long allReduceBytes;
        long allReduceNanos;
        long allToAllCalls;
        long allToAllBytes;
        long allToAllNanos;
    }

    private final Communicator inner;
    private final Totals totals;

    CommunicationLog(Communicator inner, Totals totals) {
        this.inner = inner;
        this.totals = totals;
    }

    Totals totals() {
        return totals;
    }

    @Override
    public int rank() {
        return inner.rank();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public void allReduceSum(MemorySegment buffer, long count) {
        long t0 = System.nanoTime();
        inner.allReduceSum(buffer, count);
        totals.allReduceNanos += System.nanoTime() - t0;
        totals.allReduceCalls++;
        totals.allReduceBytes += count * FLOAT_BYTES;
    }

    /** Bytes counted are those sent to other ranks (a rank's block for itself stays in memory). */
    @Override
    public void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts) {
        long t0 = System.nanoTime();
        inner.allToAll(send, sendCounts, receive, receiveCounts);
        totals.allToAllNanos += System.nanoTime() - t0;
        totals.allToAllCalls++;
        for (int p = 0; p < sendCounts.length; p++) {
            if (p != inner.rank()) totals.allToAllBytes += sendCounts[p] * FLOAT_BYTES;
        }
    }

    /** Counted with the all-to-alls: the bytes of this rank's block, which it sends to each other rank. */
    @Override
    public void allGather(MemorySegment buffer, int[] counts) {
        long t0 = System.nanoTime();
        inner.allGather(buffer, counts);
        totals.allToAllNanos += System.nanoTime() - t0;
        totals.allToAllCalls++;
        totals.allToAllBytes += (long) counts[inner.rank()] * FLOAT_BYTES * (counts.length - 1);
    }

    @Override
    public int[] exchangeCounts(int[] sendCounts) {
        long t0 = System.nanoTime();
        int[] r = inner.exchangeCounts(sendCounts);
        totals.allToAllNanos += System.nanoTime() - t0;
        totals.allToAllCalls++;
        return r;
    }

    @Override
    public void broadcast(MemorySegment buffer, long count, int root) {
        inner.broadcast(buffer, count, root);
    }

    @Override
    public void barrier() {
        inner.barrier();
    }

    @Override
    public Communicator split(int color, int key) {
        return new CommunicationLog(inner.split(color, key), totals);
    }

    @Override
    public void close() {
        inner.close();
    }
}
