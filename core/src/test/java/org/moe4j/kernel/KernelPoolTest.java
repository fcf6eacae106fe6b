package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class KernelPoolTest {
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    @Test
    void everyIndexRunsExactlyOnceOnAtMostThreadsThreads() {
        KernelPool.setThreads(2);
        AtomicIntegerArray runs = new AtomicIntegerArray(1000);
        Set<Thread> used = ConcurrentHashMap.newKeySet();
        KernelPool.parallelFor(1000, i -> {
            runs.incrementAndGet(i);
            used.add(Thread.currentThread());
        });
        for (int i = 0; i < 1000; i++) {
            assertEquals(1, runs.get(i), "index " + i);
        }
        assertTrue(used.size() <= 2, used.size() + " threads");
    }

    @Test
    void aNestedLoopRunsOnTheThreadOfItsOuterTask() {
        KernelPool.setThreads(2);
        AtomicIntegerArray sameThread = new AtomicIntegerArray(8);
        KernelPool.parallelFor(8, outer -> {
            Thread mine = Thread.currentThread();
            KernelPool.parallelFor(4, inner -> {
                if (Thread.currentThread() == mine) {
                    sameThread.incrementAndGet(outer);
                }
            });
        });
        for (int i = 0; i < 8; i++) {
            assertEquals(4, sameThread.get(i), "outer task " + i);
        }
    }

    @Test
    void aFailingTaskFailsTheLoopWithItsOwnException() {
        KernelPool.setThreads(2);
        IllegalStateException boom = new IllegalStateException("task 37 failed");
        var thrown = assertThrows(IllegalStateException.class, () -> KernelPool.parallelFor(100, i -> {
            if (i == 37) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        // the pool still works afterwards
        AtomicIntegerArray runs = new AtomicIntegerArray(10);
        KernelPool.parallelFor(10, runs::incrementAndGet);
        assertEquals(1, runs.get(9));
    }

    @Test
    void manyShortLoopsInARowEachRunEveryIndexOnceAndAllocateNothing() {
        KernelPool.setThreads(2);
        var mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int[] hits = new int[64];
        java.util.function.IntConsumer body = i -> hits[i]++;
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 200; round++) {
            long before = mx.getThreadAllocatedBytes(Thread.currentThread().threadId());
            for (int loop = 0; loop < 100; loop++) {
                // loops of 1 to 64 tasks back to back: a worker late for one must not take a task of the next
                KernelPool.parallelFor(1 + (round * 100 + loop) % 64, body);
            }
            least = Math.min(least, mx.getThreadAllocatedBytes(Thread.currentThread().threadId()) - before);
        }
        int[] expected = new int[64];
        for (int n = 0; n < 20_000; n++) {
            for (int i = 0; i < 1 + n % 64; i++) expected[i]++;
        }
        assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(hits), "runs per index");
        assertEquals(0, least, "bytes allocated by 100 parallel loops");
    }

    @Test
    void threadCountsOutsideThePoolAreRefused() {
        var zero = assertThrows(IllegalArgumentException.class, () -> KernelPool.setThreads(0));
        assertTrue(zero.getMessage().startsWith("KernelPool.setThreads: 0 threads requested, must be in [1, "),
                zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelPool.setThreads(100_000));
    }

    /** forRows: the split of a row kernel over the pool. */
    @Nested
    class RowSplit {
        record Block(int from, int to, Thread thread) {}

        private static List<Block> blocks(int rows, int cols) {
            List<Block> blocks = Collections.synchronizedList(new ArrayList<>());
            KernelPool.forRows(rows, cols, (from, to) -> blocks.add(new Block(from, to, Thread.currentThread())));
            blocks.sort(Comparator.comparingInt(Block::from));
            return blocks;
        }

        @Test
        void largeInputsSplitIntoBlocksThatCoverEveryRowOnce() {
            int cols = 1000, rows = (int) (KernelPool.MIN_PARALLEL_ELEMENTS / cols) + 7;
            List<Block> blocks = blocks(rows, cols);
            assertTrue(blocks.size() >= 2, "blocks " + blocks.size());
            int next = 0;
            for (Block b : blocks) {
                assertEquals(next, b.from(), "blocks must tile the rows");
                assertTrue(b.to() > b.from());
                next = b.to();
            }
            assertEquals(rows, next);
        }

        @Test
        void smallInputsRunOnTheCallingThreadInOneBlock() {
            List<Block> small = blocks(100, 100);
            assertEquals(List.of(new Block(0, 100, Thread.currentThread())), small);
            assertEquals(1, blocks(1, 10_000_000).size(), "a single row is never split");
        }
    }
}
