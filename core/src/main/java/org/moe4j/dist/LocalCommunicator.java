package org.moe4j.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One rank of a {@link LocalGroup}. Each collective posts this rank's argument, waits for all
 * ranks, reads the peers' posted buffers, and waits again before any buffer may change.
 */
final class LocalCommunicator implements Communicator {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final int rank;
    private final LocalGroup group;

    LocalCommunicator(int rank, LocalGroup group) {
        this.rank = rank;
        this.group = group;
    }

    LocalGroup group() {
        return group;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size();
    }

    /** The sum runs over ranks 0, 1, ..., N-1 from 0 in float, the same order on every rank. */
    @Override
    public void allReduceSum(MemorySegment buffer, long count) {
        CommChecks.count("allReduceSum", buffer, count);
        group.posted[rank] = new Posted(buffer, count);
        group.await(rank, "allReduceSum");
        for (int p = 0; p < size(); p++) {
            long theirs = ((Posted) group.posted[p]).count;
            if (theirs != count) fail("allReduceSum", "count " + count + " but rank " + p + " passed " + theirs);
        }
        float[] sum = new float[(int) count];
        for (int p = 0; p < size(); p++) {
            MemorySegment peer = ((Posted) group.posted[p]).buffer;
            for (int i = 0; i < sum.length; i++) sum[i] += peer.getAtIndex(F, i);
        }
        group.await(rank, "allReduceSum");
        MemorySegment.copy(sum, 0, buffer, F, 0, sum.length);
    }

    @Override
    public void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts) {
        CommChecks.allToAll(send, sendCounts, receive, receiveCounts, size());
        group.posted[rank] = new PostedBlocks(send, sendCounts.clone());
        group.await(rank, "allToAll");
        long at = 0;
        for (int p = 0; p < size(); p++) {
            PostedBlocks peer = (PostedBlocks) group.posted[p];
            if (peer.counts[rank] != receiveCounts[p]) {
                fail("allToAll", "receiveCounts[" + p + "] = " + receiveCounts[p] + " but rank " + p + " sends " + peer.counts[rank]);
            }
            long from = 0;
            for (int q = 0; q < rank; q++) from += peer.counts[q];
            MemorySegment.copy(peer.send, from * FLOAT_BYTES, receive, at * FLOAT_BYTES, receiveCounts[p] * FLOAT_BYTES);
            at += receiveCounts[p];
        }
        group.await(rank, "allToAll");
    }

    @Override
    public void allGather(MemorySegment buffer, int[] counts) {
        CommChecks.allGather(buffer, counts, size());
        group.posted[rank] = new PostedBlocks(buffer, counts.clone());
        group.await(rank, "allGather");
        for (int p = 0; p < size(); p++) {
            int[] theirs = ((PostedBlocks) group.posted[p]).counts;
            if (!java.util.Arrays.equals(theirs, counts)) {
                fail("allGather", "counts " + java.util.Arrays.toString(counts) + " but rank " + p + " passed "
                        + java.util.Arrays.toString(theirs));
            }
        }
        // each rank copies the others' blocks out of their buffers, every block from its owner
        long at = 0;
        byte[][] blocks = new byte[size()][];
        for (int p = 0; p < size(); p++) {
            if (p != rank) blocks[p] = ((PostedBlocks) group.posted[p]).send.asSlice(at * FLOAT_BYTES, counts[p] * FLOAT_BYTES)
                    .toArray(ValueLayout.JAVA_BYTE);
            at += counts[p];
        }
        group.await(rank, "allGather");
        at = 0;
        for (int p = 0; p < size(); p++) {
            if (p != rank) MemorySegment.copy(MemorySegment.ofArray(blocks[p]), 0, buffer, at * FLOAT_BYTES, counts[p] * FLOAT_BYTES);
            at += counts[p];
        }
    }

    @Override
    public int[] exchangeCounts(int[] sendCounts) {
        CommChecks.counts("exchangeCounts", "sendCounts", sendCounts, size());
        group.posted[rank] = sendCounts.clone();
        group.await(rank, "exchangeCounts");
        int[] received = new int[size()];
        for (int p = 0; p < size(); p++) received[p] = ((int[]) group.posted[p])[rank];
        group.await(rank, "exchangeCounts");
        return received;
    }

    @Override
    public void broadcast(MemorySegment buffer, long count, int root) {
        CommChecks.count("broadcast", buffer, count);
        CommChecks.root("broadcast", root, size());
        group.posted[rank] = new Posted(buffer, count);
        group.await(rank, "broadcast");
        Posted from = (Posted) group.posted[root];
        if (from.count != count) fail("broadcast", "count " + count + " but the root (rank " + root + ") passed " + from.count);
        if (rank != root) MemorySegment.copy(from.buffer, 0, buffer, 0, count * FLOAT_BYTES);
        group.await(rank, "broadcast");
    }

    @Override
    public void barrier() {
        group.await(rank, "barrier");
    }

    /**
     * The lowest rank of each color (after sorting by key, then rank) makes the new group and
     * posts it; the others of that color pick it up after the second barrier.
     */
    @Override
    public Communicator split(int color, int key) {
        group.posted[rank] = new int[] {color, key};
        group.await(rank, "split");
        List<Integer> members = new ArrayList<>();
        for (int p = 0; p < size(); p++) if (((int[]) group.posted[p])[0] == color) members.add(p);
        members.sort(Comparator.<Integer>comparingInt(p -> ((int[]) group.posted[p])[1]).thenComparingInt(p -> p));
        int leader = members.getFirst();
        group.await(rank, "split");
        if (rank == leader) group.posted[rank] = group.child(members.size());
        group.await(rank, "split");
        LocalGroup child = (LocalGroup) group.posted[leader];
        group.await(rank, "split");
        return new LocalCommunicator(members.indexOf(rank), child);
    }

    /** Nothing to free: the group's state is garbage once its ranks are. */
    @Override
    public void close() {}

    /** A mismatch found by one rank: break the group so its peers stop too, then fail here. */
    private void fail(String call, String why) {
        group.breakAll();
        throw new CommunicationException("rank " + rank + " of " + size() + ": " + call + ": " + why);
    }

    private record Posted(MemorySegment buffer, long count) {}

    private record PostedBlocks(MemorySegment send, int[] counts) {}
}
