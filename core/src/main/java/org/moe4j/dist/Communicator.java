package org.moe4j.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A group of ranks and the collectives distributed training needs: sum all-reduce (gradients of
 * dense weights), all-to-all with a count per peer (tokens sent to the ranks holding their
 * experts), broadcast (initial weights from rank 0), barrier, and sub-groups by split (ranks =
 * data x expert groups).
 *
 * <p>Every buffer is a {@link MemorySegment} of float32 values in native byte order, counted in
 * elements. A collective is entered by every rank of the group in the same order with matching
 * counts; that contract is what keeps the ranks aligned. Off-heap (native) segments are handed to
 * the transport as they are; an implementation may stage a heap segment through its own buffer.
 *
 * <p>Results are bitwise equal on every rank: an all-reduce adds the ranks' values in one order
 * fixed by the implementation, and every rank receives the same sum.
 */
public interface Communicator extends AutoCloseable {
    /** The bytes of one element: every buffer holds float32. */
    long FLOAT_BYTES = ValueLayout.JAVA_FLOAT.byteSize();

    /** This rank's index in the group, 0 to {@code size() - 1}. */
    int rank();

    /** The number of ranks in the group. */
    int size();

    /** buffer[i] = the sum over ranks r of rank r's buffer[i], for i below count, on every rank. */
    void allReduceSum(MemorySegment buffer, long count);

    /**
     * Each rank sends {@code sendCounts[p]} floats to peer p, taken in peer order from {@code send}
     * (peer 0's block first), and receives {@code receiveCounts[p]} floats from peer p, stored in
     * peer order into {@code receive}. receiveCounts[p] on this rank must equal sendCounts[this] on
     * rank p: {@link #exchangeCounts} finds them.
     */
    void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts);

    /**
     * In place: rank p's block of {@code counts[p]} floats sits in {@code buffer} at the sum of
     * counts[0, p); on return every rank holds every rank's block there (MPI_Allgatherv). Every
     * rank passes the same counts. Each rank receives only the others' blocks, (N-1)/N of the
     * buffer, where an all-reduce of the same buffer (zeros outside a rank's block) moves about
     * twice that and adds.
     */
    void allGather(MemorySegment buffer, int[] counts);

    /** The all-to-all of one int per peer: returns r with r[p] = sendCounts[this rank] on rank p. */
    int[] exchangeCounts(int[] sendCounts);

    /** buffer[0, count) on every rank = buffer[0, count) on rank root. */
    void broadcast(MemorySegment buffer, long count, int root);

    /** Returns once every rank of the group has entered it. */
    void barrier();

    /**
     * Splits the group: the ranks that pass the same color form a new group, ordered by key and
     * then by their rank here. Every rank of this group must call it.
     */
    Communicator split(int color, int key);

    /** Convenience for a heap array: the all-reduce of data[0, data.length). */
    default void allReduceSum(float[] data) {
        allReduceSum(MemorySegment.ofArray(data), data.length);
    }

    /** Convenience for a heap array: the in-place all-gather of blocks of {@code counts} floats from data[0]. */
    default void allGather(float[] data, int[] counts) {
        allGather(MemorySegment.ofArray(data), counts);
    }

    /** Convenience for a heap array: the broadcast of data[0, data.length) from root. */
    default void broadcast(float[] data, int root) {
        broadcast(MemorySegment.ofArray(data), data.length, root);
    }

    /** Frees what this group holds (a split group's handle); the world group ends the transport. */
    @Override
    void close();
}
