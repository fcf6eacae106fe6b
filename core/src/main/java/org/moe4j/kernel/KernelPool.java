package org.moe4j.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * The one thread pool every multithreaded kernel shares, created once and sized to the cores (or to
 * the system property {@code moe4j.threads}). A parallel loop hands out task indices from a shared
 * counter to the calling thread and up to {@code threads - 1} pool workers, so no thread is created
 * on a hot path and a slow core simply takes fewer tasks. Kernels write each output element from
 * exactly one task, in an order that does not depend on which thread runs it, so results are the
 * same for every thread count.
 */
public final class KernelPool {
    private static final int DEFAULT_THREADS = defaultThreads();
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, DEFAULT_THREADS - 1),
            pool -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setName("moe4j-kernel-" + t.getPoolIndex());
                t.setDaemon(true);
                return t;
            }, null, false);
    private static volatile int threads = DEFAULT_THREADS;
    /** Set on every thread while it runs tasks of a parallel loop, so a kernel nested in one runs serially. */
    private static final ThreadLocal<Boolean> IN_PARALLEL_LOOP = ThreadLocal.withInitial(() -> false);

    private KernelPool() {}

    private static int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        String configured = System.getProperty("moe4j.threads");
        if (configured == null) {
            return cores;
        }
        int n;
        try {
            n = Integer.parseInt(configured.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("moe4j.threads is '" + configured + "', must be an integer in [1, 1024]");
        }
        if (n < 1 || n > 1024) {
            throw new IllegalArgumentException("moe4j.threads is " + n + ", must be in [1, 1024]");
        }
        return n;
    }

    /** How many threads (the caller included) a parallel kernel uses. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets how many threads (the caller included) parallel kernels use from now on, at most the
     * pool's size plus the caller; benchmarks use it to measure scaling.
     */
    public static void setThreads(int n) {
        int max = POOL.getParallelism() + 1;
        if (n < 1 || n > max) {
            throw new IllegalArgumentException("KernelPool.setThreads: " + n + " threads requested, must be in [1, "
                    + max + "] (the pool was sized at start-up; set -Dmoe4j.threads for more)");
        }
        threads = n;
    }

    /**
     * Runs {@code body.accept(i)} for every i in [0, count), spread over the kernel threads; returns
     * when all are done and rethrows the first failure. Called from inside a task of another
     * parallel loop it runs serially: the outer loop already keeps every thread busy.
     */
    public static void parallelFor(int count, IntConsumer body) {
        int workers = Math.min(count, threads);
        if (workers <= 1 || IN_PARALLEL_LOOP.get()) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        // the first failure itself, not ForkJoinTask.join's copy of it, so its message reaches the user unchanged
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable drain = () -> {
            IN_PARALLEL_LOOP.set(true);
            try {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    body.accept(i);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                next.set(count);
            } finally {
                IN_PARALLEL_LOOP.set(false);
            }
        };
        ForkJoinTask<?>[] helpers = new ForkJoinTask<?>[workers - 1];
        for (int h = 0; h < helpers.length; h++) {
            helpers[h] = POOL.submit(drain);
        }
        drain.run();
        for (ForkJoinTask<?> helper : helpers) {
            helper.join();
        }
        // an IntConsumer throws only unchecked exceptions
        switch (failure.get()) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable t -> throw new IllegalStateException(t);
        }
    }
}
