package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RowSplitTest {
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    @Test
    void everyRowRunsExactlyOnceInSlicesInOrder() {
        KernelPool.setThreads(2);
        for (int rows : new int[] {0, 1, 2, 7, 16, 64, 1000}) {
            AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, rows));
            RowSplit.run(rows, 4096, (from, to) -> {
                assertTrue(0 <= from && from <= to && to <= rows, "slice [" + from + ", " + to + ") of " + rows);
                for (int r = from; r < to; r++) runs.incrementAndGet(r);
            });
            for (int r = 0; r < rows; r++) assertEquals(1, runs.get(r), "row " + r + " of " + rows);
        }
    }

    @Test
    void aLargeBatchUsesBothThreadsAndASmallOneOnlyTheCaller() throws Exception {
        KernelPool.setThreads(2);
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        // rows long enough that the worker, spinning or waking, claims some of them; on a machine whose cores other
        // processes hold, the worker may get none for a while, so the splits go on for up to 10 s
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (used.size() < 2 && System.nanoTime() < deadline) {
            RowSplit.run(64, 1 << 16, (from, to) -> {
                used.add(Thread.currentThread());
                long until = System.nanoTime() + 200_000;
                while (System.nanoTime() < until) Thread.onSpinWait();
            });
        }
        assertEquals(2, used.size(), "threads that ran rows of a 64-row split");

        Set<Thread> small = ConcurrentHashMap.newKeySet();
        RowSplit.run(8, (int) (RowSplit.MIN_PARALLEL_FLOATS / 8) - 1, (from, to) -> {
            assertEquals(0, from);
            assertEquals(8, to);
            small.add(Thread.currentThread());
        });
        assertEquals(Set.of(Thread.currentThread()), small, "a split below the threshold runs on the caller, whole");
    }

    @Test
    void aSplitInsideAParallelLoopRunsOnItsTaskThread() {
        KernelPool.setThreads(2);
        AtomicIntegerArray rows = new AtomicIntegerArray(8 * 32);
        KernelPool.parallelFor(8, outer -> {
            Thread mine = Thread.currentThread();
            RowSplit.run(32, 1 << 12, (from, to) -> {
                assertEquals(mine, Thread.currentThread());
                for (int r = from; r < to; r++) rows.incrementAndGet(outer * 32 + r);
            });
        });
        for (int i = 0; i < 8 * 32; i++) assertEquals(1, rows.get(i), "row " + i % 32 + " of outer task " + i / 32);
    }

    @Test
    void aNegativeCountIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowSplit.run(-1, 8, (a, b) -> { }));
        assertTrue(e.getMessage().contains("rows -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RowSplit.run(4, -2, (a, b) -> { }));
        assertTrue(e.getMessage().contains("width -2"), e.getMessage());
    }
}
