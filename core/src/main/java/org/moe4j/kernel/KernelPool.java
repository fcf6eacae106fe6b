package org.moe4j.kernel;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The one set of worker threads every multithreaded kernel shares, created once and sized to the
 * cores (or to the system property {@code moe4j.threads}). A parallel loop hands out task indices
 * from a shared counter to the calling thread and up to {@code threads - 1} workers, so no thread is
 * created on a hot path and a slow core simply takes fewer tasks. Kernels write each output element
 * from exactly one task, in an order that does not depend on which thread runs it, so results are
 * the same for every thread count.
 *
 * <p>Workers spin for a short while ({@code moe4j.spinMicros}, 100 µs by default, yielding the core
 * now and then to any other runnable thread, such as the JIT compiler while the code is cold) after each loop
 * before they park: a decoding step or a training step runs dozens of loops a few microseconds
 * long back to back, and waking a parked thread costs 10 to 50 µs on this kind of machine, more than
 * many of those loops. One loop runs at a time; a loop started while another one holds the workers
 * (from another thread) runs on its caller alone.
 *
 * <p>A parallel loop allocates nothing: the one {@link Loop} object is reused, each loop under a new
 * generation number, so a decoding step of many small parallel kernels makes no garbage.
 */
public final class KernelPool {
    private static final int DEFAULT_THREADS = positiveProperty("moe4j.threads", Runtime.getRuntime().availableProcessors(), 1024);
    private static final long SPIN_NANOS = 1000L * positiveProperty("moe4j.spinMicros", 100, 1_000_000);
    /** The loop every parallelFor runs in, reused; only the holder of BUSY starts one. */
    private static final Loop LOOP = new Loop();
    private static final Worker[] WORKERS = startWorkers(DEFAULT_THREADS - 1);
    private static final AtomicBoolean BUSY = new AtomicBoolean();
    private static volatile int threads = DEFAULT_THREADS;
    /** Set on every thread while it runs tasks of a parallel loop, so a kernel nested in one runs serially. */
    private static final ThreadLocal<Boolean> IN_PARALLEL_LOOP = ThreadLocal.withInitial(() -> false);

    private KernelPool() {}

    private static int positiveProperty(String name, int fallback, int max) {
        String configured = System.getProperty(name);
        if (configured == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(configured.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is '" + configured + "', must be an integer in [1, " + max + "]");
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(name + " is " + n + ", must be in [1, " + max + "]");
        }
        return n;
    }

    private static Worker[] startWorkers(int n) {
        Worker[] workers = new Worker[n];
        for (int i = 0; i < n; i++) {
            workers[i] = new Worker(i);
            workers[i].thread.start();
        }
        return workers;
    }

    /** How many threads (the caller included) a parallel kernel uses. */
    public static int threads() {
        return threads;
    }

    /**
     * Sets how many threads (the caller included) parallel kernels use from now on, at most the
     * number of workers plus the caller; benchmarks use it to measure scaling.
     */
    public static void setThreads(int n) {
        int max = WORKERS.length + 1;
        if (n < 1 || n > max) {
            throw new IllegalArgumentException("KernelPool.setThreads: " + n + " threads requested, must be in [1, "
                    + max + "] (the pool was sized at start-up; set -Dmoe4j.threads for more)");
        }
        threads = n;
    }

    /** Whether the calling thread is running a task of a parallel loop (where a nested loop runs serially). */
    static boolean inParallelLoop() {
        return IN_PARALLEL_LOOP.get();
    }

    /**
     * Runs {@code body.accept(i)} for every i in [0, count), spread over the kernel threads; returns
     * when all are done and rethrows the first failure (the tasks not yet started are skipped).
     * Called from inside a task of another parallel loop it runs serially: the outer loop already
     * keeps every thread busy.
     */
    public static void parallelFor(int count, IntConsumer body) {
        int helpers = Math.min(count, threads) - 1;
        if (helpers <= 0 || IN_PARALLEL_LOOP.get() || !BUSY.compareAndSet(false, true)) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            long generation = LOOP.start(count, body, helpers);
            for (int w = 0; w < helpers; w++) {
                WORKERS[w].wake();
            }
            LOOP.drain(generation);
            LOOP.awaitTasks();
            Throwable failure = LOOP.failure.getAndSet(null);
            switch (failure) {
                case null -> { }
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                case Throwable t -> throw new IllegalStateException(t);
            }
        } finally {
            LOOP.body = null;
            BUSY.set(false);
        }
    }

    /**
     * The parallel loop, reused from loop to loop under a new generation number each time. Tasks are
     * claimed from {@code ticket}, which holds the generation (high 32 bits) and the next index (low
     * 32 bits), by compare-and-set: a thread late for a finished loop finds another generation there
     * and leaves without touching anything, so the caller never waits for it. The caller waits only
     * for tasks actually claimed ({@code done} reaching {@code count}). Setting up a loop first closes
     * the ticket (the new generation with an index past any count), then writes count, body and
     * helpers, then opens it; so whoever wins a claim reads the count and body of its own loop.
     */
    private static final class Loop {
        private static final long CLOSED = Integer.MAX_VALUE;
        /** The newest generation, for the workers to notice a new loop (written after the ticket opens). */
        volatile long generation;
        final AtomicLong ticket = new AtomicLong();
        // written while the ticket is closed, read by a thread only after it has claimed a task of this loop
        int count;
        IntConsumer body;
        int helpers;
        /** Tasks claimed and finished (run, or skipped after a failure). */
        final AtomicInteger done = new AtomicInteger();
        // the first failure itself, so its message reaches the user unchanged
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** The last generation handed out (read and written by the BUSY holder only). */
        private long issued;

        /** Sets up a new loop and returns its generation. */
        long start(int count, IntConsumer body, int helpers) {
            long gen = ++issued;
            long high = (gen & 0xFFFF_FFFFL) << 32;
            ticket.set(high | CLOSED);
            this.count = count;
            this.body = body;
            this.helpers = helpers;
            done.set(0);
            failure.set(null);
            ticket.set(high);
            generation = gen;
            return gen;
        }

        /** Claims and runs tasks of loop {@code gen} until none is left; returns at once if that loop is over. */
        void drain(long gen) {
            long high = (gen & 0xFFFF_FFFFL) << 32;
            IN_PARALLEL_LOOP.set(true);
            try {
                while (true) {
                    long t = ticket.get();
                    if ((t & 0xFFFF_FFFF_0000_0000L) != high || (int) t >= count) {
                        return;
                    }
                    if (!ticket.compareAndSet(t, t + 1)) {
                        continue;
                    }
                    if (failure.get() == null) {
                        try {
                            body.accept((int) t);
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                    done.incrementAndGet();
                }
            } finally {
                IN_PARALLEL_LOOP.set(false);
            }
        }

        /** Called by the caller once its own drain() has returned: every index is claimed; wait for the ones in flight. */
        void awaitTasks() {
            for (int spins = 0; done.get() < count; spins++) {
                if (spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
    }

    /** A daemon thread that takes part in each new loop, spinning between loops and parking when idle. */
    private static final class Worker {
        final int index;
        final Thread thread;
        volatile boolean parked;
        private long last;

        Worker(int index) {
            this.index = index;
            this.thread = Thread.ofPlatform().name("moe4j-kernel-" + index).daemon(true).unstarted(this::run);
        }

        void wake() {
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        private void run() {
            while (true) {
                long gen = awaitNewLoop();
                last = gen;
                if (index < LOOP.helpers) {
                    LOOP.drain(gen);
                }
            }
        }

        /** The generation of the next loop after {@code last} (a set-up in progress, -1, is not one). */
        private long awaitNewLoop() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            for (int spins = 1; ; spins++) {
                long gen = LOOP.generation;
                if (gen > last) {
                    return gen;
                }
                if (System.nanoTime() < spinUntil) {
                    // now and then let another runnable thread have this core (the JIT compiler, while the code is cold)
                    if ((spins & 63) == 0) {
                        Thread.yield();
                    } else {
                        Thread.onSpinWait();
                    }
                    continue;
                }
                parked = true;
                if (LOOP.generation <= last) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }

    // Row kernels split independent rows over this pool when a kernel is large enough for the threads
    // to pay for their hand-off. Each row is computed by exactly one thread with the same code as in
    // the single-threaded case, so results do not depend on the split.

    /**
     * Below this many elements a kernel runs on the calling thread. Measured with RowKernelsBench
     * (softmax against softmaxRowByRow) on 2 cores: two threads broke even at 2^18 elements and
     * were 1.75x faster at 2^20 on a quiet machine, but lost when other processes kept both cores busy.
     */
    static final long MIN_PARALLEL_ELEMENTS = 1 << 19;

    /** Work on rows [from, to). */
    @FunctionalInterface
    interface RowRange {
        void run(int from, int to);
    }

    /** Runs {@code body} over rows [0, rows) of a [rows x cols] input, split into blocks when large. */
    static void forRows(int rows, int cols, RowRange body) {
        int threads = threads();
        long elements = (long) rows * cols;
        if (threads < 2 || rows < 2 || elements < MIN_PARALLEL_ELEMENTS) {
            body.run(0, rows);
            return;
        }
        int blocks = (int) Math.min(Math.min(rows, threads), elements / (MIN_PARALLEL_ELEMENTS / 2));
        parallelFor(blocks, b -> body.run((int) ((long) rows * b / blocks), (int) ((long) rows * (b + 1) / blocks)));
    }
}
