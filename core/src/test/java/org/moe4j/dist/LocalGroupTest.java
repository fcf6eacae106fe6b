package org.moe4j.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-process group's collectives against plain loops over every rank's input. */
class LocalGroupTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** Rank r's input: random floats from a seed of its own, so any rank can rebuild any other's. */
    private static float[] input(int r, int n) {
        Random random = new Random(1000 + r);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) random.nextGaussian();
        return x;
    }

    @Test
    void allReduceSumIsTheRankOrderedSumOnEveryRank() {
        for (int ranks : new int[] {1, 2, 3, 4}) {
            int n = 1037;
            List<float[]> results = LocalGroup.run(ranks, TIMEOUT, comm -> {
                float[] x = input(comm.rank(), n);
                comm.allReduceSum(x);
                return x;
            });
            float[] expected = new float[n];
            for (int r = 0; r < ranks; r++) {
                float[] x = input(r, n);
                for (int i = 0; i < n; i++) expected[i] += x[i];
            }
            for (int r = 0; r < ranks; r++) assertArrayEquals(expected, results.get(r), 0f, ranks + " ranks, rank " + r);
        }
    }

    /** Counts from rank r to peer p: uneven, zero for some pairs (including to itself). */
    private static int count(int r, int p) {
        return (r + 2 * p) % 3 == 0 ? 0 : 1 + (5 * r + 3 * p) % 7;
    }

    private static float value(int r, int p, int j) {
        return r * 1000 + p * 10 + j + 0.5f;
    }

    @Test
    void allToAllWithUnevenCountsDeliversEachBlockToItsPeer() {
        for (int ranks : new int[] {1, 2, 3, 4}) {
            List<float[]> received = LocalGroup.run(ranks, TIMEOUT, comm -> {
                int r = comm.rank();
                int[] sendCounts = new int[ranks];
                for (int p = 0; p < ranks; p++) sendCounts[p] = count(r, p);
                int[] receiveCounts = comm.exchangeCounts(sendCounts);
                float[] send = new float[Arrays.stream(sendCounts).sum()];
                int at = 0;
                for (int p = 0; p < ranks; p++) for (int j = 0; j < sendCounts[p]; j++) send[at++] = value(r, p, j);
                float[] receive = new float[Arrays.stream(receiveCounts).sum()];
                comm.allToAll(MemorySegment.ofArray(send), sendCounts, MemorySegment.ofArray(receive), receiveCounts);
                return receive;
            });
            for (int r = 0; r < ranks; r++) {
                List<Float> expected = new ArrayList<>();
                for (int p = 0; p < ranks; p++) for (int j = 0; j < count(p, r); j++) expected.add(value(p, r, j));
                float[] e = new float[expected.size()];
                for (int i = 0; i < e.length; i++) e[i] = expected.get(i);
                assertArrayEquals(e, received.get(r), 0f, ranks + " ranks, rank " + r);
            }
        }
    }

    /** Uneven blocks, one of them empty, each rank's own block in place and garbage elsewhere: every rank ends with every block. */
    @Test
    void allGatherFillsEveryRanksBlockOnEveryRank() {
        for (int ranks : new int[] {1, 2, 3, 4}) {
            int[] counts = new int[ranks];
            for (int p = 0; p < ranks; p++) counts[p] = p == 1 ? 0 : 5 + 3 * p;
            int total = Arrays.stream(counts).sum();
            float[] expected = new float[total];
            for (int p = 0, at = 0; p < ranks; at += counts[p], p++) System.arraycopy(input(p, counts[p]), 0, expected, at, counts[p]);
            List<float[]> results = LocalGroup.run(ranks, TIMEOUT, comm -> {
                float[] x = new float[total];
                Arrays.fill(x, Float.NaN);
                int at = 0;
                for (int p = 0; p < comm.rank(); p++) at += counts[p];
                System.arraycopy(input(comm.rank(), counts[comm.rank()]), 0, x, at, counts[comm.rank()]);
                comm.allGather(x, counts);
                return x;
            });
            for (int r = 0; r < ranks; r++) assertArrayEquals(expected, results.get(r), 0f, ranks + " ranks, rank " + r);
        }
    }

    @Test
    void exchangeCountsTransposesTheCountMatrix() {
        List<int[]> got = LocalGroup.run(3, TIMEOUT, comm -> comm.exchangeCounts(new int[] {10 * comm.rank(), 10 * comm.rank() + 1, 10 * comm.rank() + 2}));
        assertArrayEquals(new int[] {0, 10, 20}, got.get(0));
        assertArrayEquals(new int[] {1, 11, 21}, got.get(1));
        assertArrayEquals(new int[] {2, 12, 22}, got.get(2));
    }

    @Test
    void broadcastCopiesTheRootsBufferToEveryRank() {
        for (int root = 0; root < 3; root++) {
            int from = root;
            List<float[]> got = LocalGroup.run(3, TIMEOUT, comm -> {
                float[] x = input(comm.rank(), 65);
                comm.broadcast(x, from);
                return x;
            });
            for (float[] x : got) assertArrayEquals(input(root, 65), x, 0f, "root " + root);
        }
    }

    @Test
    void barrierReturnsOnlyOnceEveryRankHasArrived() {
        AtomicInteger arrived = new AtomicInteger();
        List<Integer> seen = LocalGroup.run(4, TIMEOUT, comm -> {
            arrived.incrementAndGet();
            comm.barrier();
            return arrived.get();
        });
        assertEquals(List.of(4, 4, 4, 4), seen);
    }

    @Test
    void splitGroupsByColorOrdersByKeyAndReducesWithinTheGroup() {
        // 6 ranks, color = rank % 2, key = -rank: group {0, 2, 4} ordered 4, 2, 0
        List<int[]> got = LocalGroup.run(6, TIMEOUT, comm -> {
            try (Communicator half = comm.split(comm.rank() % 2, -comm.rank())) {
                float[] x = {comm.rank()};
                half.allReduceSum(x);
                try (Communicator pair = half.split(half.rank() / 2, 0)) {
                    float[] y = {comm.rank()};
                    pair.allReduceSum(y);
                    return new int[] {half.size(), half.rank(), (int) x[0], pair.size(), (int) y[0]};
                }
            }
        });
        int[][] expected = {
            {3, 2, 6, 1, 0}, {3, 2, 9, 1, 1}, {3, 1, 6, 2, 6}, {3, 1, 9, 2, 8}, {3, 0, 6, 2, 6}, {3, 0, 9, 2, 8},
        };
        for (int r = 0; r < 6; r++) assertArrayEquals(expected[r], got.get(r), "rank " + r);
    }

    @Test
    void aFailingRankStopsItsPeersAndItsErrorIsRethrown() {
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalGroup.run(3, TIMEOUT, comm -> {
            if (comm.rank() == 1) throw new IllegalStateException("rank 1 cannot load its shard");
            comm.allReduceSum(new float[4]);
            return null;
        }));
        assertEquals("rank 1 cannot load its shard", e.getMessage());
        assertTrue(System.nanoTime() - start < TIMEOUT.toNanos() / 2, "the peers stopped at once, not at the timeout");
    }

    /**
     * A rank that reaches the barrier while another is failing: with a CyclicBarrier reset by the failure,
     * a rank that had checked the flag but not yet begun to wait sat out the whole timeout on a fresh
     * generation (ParallelBadInputTest met it under load). Many short races, each must end at once.
     */
    @Test
    void aRankArrivingWhileAnotherFailsStopsAtOnceEveryTime() {
        Duration timeout = Duration.ofSeconds(20);
        for (int i = 0; i < 2000; i++) {
            long start = System.nanoTime();
            CommunicationException e = assertThrows(CommunicationException.class, () -> LocalGroup.run(2, timeout, comm -> {
                if (comm.rank() == 1) throw new CommunicationException("rank 1 failed");
                comm.barrier();
                return null;
            }));
            assertTrue(e.getMessage().equals("rank 1 failed") || e.getMessage().endsWith("another rank failed, so the group stopped"), e.getMessage());
            assertTrue(System.nanoTime() - start < timeout.toNanos() / 2, "round " + i + " waited for the timeout");
        }
    }

    @Test
    void aRankThatNeverArrivesEndsTheOthersAtTheTimeout() {
        CommunicationException e = assertThrows(CommunicationException.class, () -> LocalGroup.run(2, Duration.ofMillis(200), comm -> {
            if (comm.rank() == 0) comm.barrier();
            return null;
        }));
        assertEquals("rank 0 of 2: barrier: the other ranks did not arrive within PT0.2S", e.getMessage());
    }

    @Test
    void mismatchedCountsAreNamed() {
        CommunicationException e = assertThrows(CommunicationException.class, () -> LocalGroup.run(2, TIMEOUT, comm -> {
            comm.allReduceSum(new float[3 + comm.rank()]);
            return null;
        }));
        assertTrue(e.getMessage().matches("rank [01] of 2: allReduceSum: count [34] but rank [01] passed [34]"), e.getMessage());
        CommunicationException a = assertThrows(CommunicationException.class, () -> LocalGroup.run(2, TIMEOUT, comm -> {
            comm.allToAll(MemorySegment.ofArray(new float[2]), new int[] {1, 1}, MemorySegment.ofArray(new float[4]), new int[] {2, 2});
            return null;
        }));
        assertTrue(a.getMessage().matches("rank [01] of 2: allToAll: receiveCounts\\[0] = 2 but rank 0 sends 1"), a.getMessage());
    }

    @Test
    void badArgumentsNameTheValueAndTheRange() {
        Communicator comm = LocalGroup.create(2, TIMEOUT).getFirst();
        MemorySegment four = MemorySegment.ofArray(new float[4]);
        assertEquals("allReduceSum: count 5 floats need 20 bytes but the buffer holds 16",
                assertThrows(IllegalArgumentException.class, () -> comm.allReduceSum(four, 5)).getMessage());
        assertEquals("allReduceSum: count -1 must be in [0, 2147483647]",
                assertThrows(IllegalArgumentException.class, () -> comm.allReduceSum(four, -1)).getMessage());
        assertEquals("broadcast: root 2 must be in [0, 1]",
                assertThrows(IllegalArgumentException.class, () -> comm.broadcast(four, 4, 2)).getMessage());
        assertEquals("allToAll: sendCounts has 3 entries but the group has 2 ranks",
                assertThrows(IllegalArgumentException.class, () -> comm.allToAll(four, new int[] {1, 1, 1}, four, new int[] {1, 1})).getMessage());
        assertEquals("allToAll: receiveCounts[1] = -2 must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> comm.allToAll(four, new int[] {1, 1}, four, new int[] {1, -2})).getMessage());
        assertEquals("allToAll receive: count 6 floats need 24 bytes but the buffer holds 16",
                assertThrows(IllegalArgumentException.class, () -> comm.allToAll(four, new int[] {1, 1}, four, new int[] {3, 3})).getMessage());
        assertEquals("ranks: 0 must be >= 1", assertThrows(IllegalArgumentException.class, () -> LocalGroup.create(0, TIMEOUT)).getMessage());
    }
}
