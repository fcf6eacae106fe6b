package org.moe4j.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Run by {@link MpiCommunicatorTest} under {@code mpirun -np N}: every rank drives each collective
 * of {@link MpiCommunicator} on inputs every rank can compute for every other rank, and checks the
 * result against a plain loop over those inputs. The values are small dyadic numbers, so float sums
 * are exact whatever order MPI adds them in. A rank prints one "ok" line; any mismatch aborts the
 * whole job with a non-zero exit.
 */
public final class MpiCheckMain {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private MpiCheckMain() {}

    public static void main(String[] args) {
        MpiCommunicator world;
        try {
            world = MpiCommunicator.world();
        } catch (CommunicationException e) {
            System.err.println("moe4j: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            check(world);
            System.out.println("rank " + world.rank() + " of " + world.size() + ": ok (" + world.libraryVersion() + ")");
            world.close();
        } catch (Throwable t) {
            System.err.println("rank " + world.rank() + " of " + world.size() + ": FAILED: " + t);
            t.printStackTrace();
            world.abort(3);
        }
    }

    /** Rank r's i-th input of the all-reduce: a multiple of 1/4 below 2^12, so sums are exact. */
    static float input(int r, int i) {
        return (r + 1) * 0.5f + (i % 1000) * 0.25f - 17f;
    }

    /** The floats rank r sends to peer p in the all-to-all: uneven, and zero for some pairs. */
    static int sendCount(int r, int p) {
        return (r * 3 + p * 5) % 4 == 0 ? 0 : (r * 7 + p * 11) % 13 + 1;
    }

    /** The j-th float rank r sends to peer p: its origin and place, exactly representable. */
    static float payload(int r, int p, int j) {
        return r * 10_000 + p * 100 + j;
    }

    static void check(MpiCommunicator world) {
        int r = world.rank();
        int n = world.size();
        // A rank told to fail does so before the first collective, leaving its peers inside it.
        if (Integer.getInteger("moe4j.mpi.check.failRank", -1) == r) throw new IllegalStateException("rank " + r + " failed on purpose");
        try (Arena arena = Arena.ofShared()) {
            // all-reduce of a native segment (passed to MPI as it is) and of a heap array (staged)
            int count = 4099;
            MemorySegment buffer = arena.allocate(F, count);
            for (int i = 0; i < count; i++) buffer.setAtIndex(F, i, input(r, i));
            world.allReduceSum(buffer, count);
            float[] heap = new float[count];
            for (int i = 0; i < count; i++) heap[i] = input(r, i);
            world.allReduceSum(heap);
            for (int i = 0; i < count; i++) {
                float expected = 0;
                for (int q = 0; q < n; q++) expected += input(q, i);
                require(buffer.getAtIndex(F, i) == expected, "allReduceSum native [" + i + "] = " + buffer.getAtIndex(F, i) + ", expected " + expected);
                require(heap[i] == expected, "allReduceSum heap [" + i + "] = " + heap[i] + ", expected " + expected);
            }

            // all-to-all with uneven counts: the counts first, then the blocks
            int[] sendCounts = new int[n];
            for (int p = 0; p < n; p++) sendCounts[p] = sendCount(r, p);
            int[] receiveCounts = world.exchangeCounts(sendCounts);
            for (int p = 0; p < n; p++) {
                require(receiveCounts[p] == sendCount(p, r), "exchangeCounts[" + p + "] = " + receiveCounts[p] + ", expected " + sendCount(p, r));
            }
            MemorySegment send = arena.allocate(F, Math.max(1, Arrays.stream(sendCounts).sum()));
            int at = 0;
            for (int p = 0; p < n; p++) for (int j = 0; j < sendCounts[p]; j++) send.setAtIndex(F, at++, payload(r, p, j));
            MemorySegment receive = arena.allocate(F, Math.max(1, Arrays.stream(receiveCounts).sum()));
            world.allToAll(send, sendCounts, receive, receiveCounts);
            at = 0;
            for (int p = 0; p < n; p++) {
                for (int j = 0; j < receiveCounts[p]; j++, at++) {
                    require(receive.getAtIndex(F, at) == payload(p, r, j), "allToAll from " + p + " [" + j + "] = " + receive.getAtIndex(F, at) + ", expected " + payload(p, r, j));
                }
            }

            // all-gather in place, native and heap: uneven blocks (the same counts on every rank), one empty
            int[] blockCounts = new int[n];
            for (int p = 0; p < n; p++) blockCounts[p] = p == 1 ? 0 : 1000 + 7 * p;
            int gathered = Arrays.stream(blockCounts).sum();
            int mine = 0;
            for (int p = 0; p < r; p++) mine += blockCounts[p];
            MemorySegment blocks = arena.allocate(F, gathered);
            float[] heapBlocks = new float[gathered];
            Arrays.fill(heapBlocks, Float.NaN);
            for (int i = 0; i < gathered; i++) blocks.setAtIndex(F, i, Float.NaN);
            for (int j = 0; j < blockCounts[r]; j++) {
                blocks.setAtIndex(F, mine + j, payload(r, r, j));
                heapBlocks[mine + j] = payload(r, r, j);
            }
            world.allGather(blocks, blockCounts);
            world.allGather(heapBlocks, blockCounts);
            at = 0;
            for (int p = 0; p < n; p++) {
                for (int j = 0; j < blockCounts[p]; j++, at++) {
                    require(blocks.getAtIndex(F, at) == payload(p, p, j), "allGather native from " + p + " [" + j + "] = " + blocks.getAtIndex(F, at));
                    require(heapBlocks[at] == payload(p, p, j), "allGather heap from " + p + " [" + j + "] = " + heapBlocks[at]);
                }
            }

            // broadcast from the last rank
            float[] message = new float[37];
            if (r == n - 1) for (int i = 0; i < message.length; i++) message[i] = 3 * i + 0.5f;
            world.broadcast(message, n - 1);
            for (int i = 0; i < message.length; i++) require(message[i] == 3 * i + 0.5f, "broadcast [" + i + "] = " + message[i]);

            // split by parity, ordered by descending world rank: sub-rank and sub-sums follow
            try (Communicator half = world.split(r % 2, -r)) {
                int members = 0;
                int above = 0;
                float rankSum = 0;
                for (int q = r % 2; q < n; q += 2) {
                    members++;
                    rankSum += q;
                    if (q > r) above++;
                }
                require(half.size() == members, "split size " + half.size() + ", expected " + members);
                require(half.rank() == above, "split rank " + half.rank() + ", expected " + above);
                float[] one = {r};
                half.allReduceSum(one);
                require(one[0] == rankSum, "split allReduceSum " + one[0] + ", expected " + rankSum);
            }
            world.barrier();
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
