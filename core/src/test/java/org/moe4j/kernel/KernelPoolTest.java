package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
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
    void threadCountsOutsideThePoolAreRefused() {
        var zero = assertThrows(IllegalArgumentException.class, () -> KernelPool.setThreads(0));
        assertTrue(zero.getMessage().startsWith("KernelPool.setThreads: 0 threads requested, must be in [1, "),
                zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelPool.setThreads(100_000));
    }
}
