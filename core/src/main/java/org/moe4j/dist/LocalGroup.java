package org.moe4j.dist;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * N ranks as threads of one JVM, for unit tests and single-machine runs. A collective is two
 * phases around a shared barrier: every rank posts its buffer, and once all have posted each rank
 * reads its peers' buffers directly (no transport, no staging); a second barrier keeps a buffer
 * untouched until every peer has read it. Segments must therefore be readable from other threads:
 * heap segments, or native ones from a shared or global arena.
 *
 * <p>A barrier that waits longer than the timeout, or a rank that fails ({@link #run} breaks the
 * barriers of every group of the run), ends every waiting rank with a {@link CommunicationException}:
 * a test never hangs.
 */
public final class LocalGroup {
    private final int size;
    private final Duration timeout;
    /**
     * The barrier: ranks arrived in the current generation, under {@link #lock}. Not a CyclicBarrier: its
     * reset cannot stop a rank that has checked {@link #broken} but not yet begun to wait, which then
     * waited the whole timeout on a fresh generation; here the check and the wait are one step under the
     * lock, and breaking wakes every waiter.
     */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition allArrived = lock.newCondition();
    private int arrived;
    private long generation;
    /** Each rank's posted argument of the collective under way, indexed by rank. */
    final Object[] posted;
    /** The run's groups, this one and every split of it, so a failure can break them all. */
    private final List<LocalGroup> family;
    /** Set once a rank of the run failed: a rank arriving at a barrier later fails at once. */
    private volatile boolean broken;

    private LocalGroup(int size, Duration timeout, List<LocalGroup> family) {
        if (size < 1) throw new IllegalArgumentException("ranks: " + size + " must be >= 1");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " must be positive");
        }
        this.size = size;
        this.timeout = timeout;
        this.posted = new Object[size];
        this.family = family;
        synchronized (family) {
            family.add(this);
        }
    }

    /** One communicator per rank of a new group; each must be driven by its own thread. */
    public static List<Communicator> create(int size, Duration timeout) {
        LocalGroup group = new LocalGroup(size, timeout, new ArrayList<>());
        List<Communicator> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) ranks.add(new LocalCommunicator(r, group));
        return ranks;
    }

    /**
     * Runs body on every rank of a new group, each in its own thread, and returns the results in
     * rank order. The first failure breaks the group so the other ranks stop too, and is rethrown.
     */
    public static <T> List<T> run(int size, Duration timeout, Function<Communicator, T> body) {
        List<Communicator> ranks = create(size, timeout);
        LocalGroup group = ((LocalCommunicator) ranks.getFirst()).group();
        List<T> results = new ArrayList<>(size);
        Throwable[] failures = new Throwable[size];
        Thread[] threads = new Thread[size];
        for (int r = 0; r < size; r++) {
            results.add(null);
            int rank = r;
            threads[r] = Thread.ofPlatform().name("moe4j-rank-" + r).unstarted(() -> {
                try (Communicator comm = ranks.get(rank)) {
                    T value = body.apply(comm);
                    synchronized (results) {
                        results.set(rank, value);
                    }
                } catch (Throwable t) {
                    failures[rank] = t;
                    group.breakAll();
                }
            });
            threads[r].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                group.breakAll();
                Thread.currentThread().interrupt();
                throw new CommunicationException("interrupted while waiting for the ranks", e);
            }
        }
        // The first failure that is not only a consequence of another rank's failure tells why.
        Throwable first = null;
        for (Throwable f : failures) {
            if (f != null && (first == null || first instanceof CommunicationException && !(f instanceof CommunicationException))) first = f;
        }
        if (first != null) {
            if (first instanceof RuntimeException e) throw e;
            if (first instanceof Error e) throw e;
            throw new CommunicationException("a rank failed", first);
        }
        return results;
    }

    int size() {
        return size;
    }

    /** A new group of n ranks in this run's family (the split of a group). */
    LocalGroup child(int n) {
        return new LocalGroup(n, timeout, family);
    }

    /** Waits for every rank of the group; a timeout or a broken barrier names the rank and the call. */
    void await(int rank, String call) {
        String failure;
        boolean breakOthers = false;
        lock.lock();
        try {
            if (broken) throw stopped(rank, call);
            long mine = generation;
            if (++arrived == size) {
                arrived = 0;
                generation++;
                allArrived.signalAll();
                return;
            }
            long nanos = timeout.toNanos();
            while (generation == mine && !broken && nanos > 0) nanos = allArrived.awaitNanos(nanos);
            if (generation != mine) return;
            if (broken) throw stopped(rank, call);
            failure = "the other ranks did not arrive within " + timeout;
            breakOthers = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
            breakOthers = true;
        } finally {
            lock.unlock();
        }
        // outside this group's lock: breakAll takes each group's lock in turn
        if (breakOthers) breakAll();
        throw new CommunicationException("rank " + rank + " of " + size + ": " + call + ": " + failure);
    }

    private CommunicationException stopped(int rank, String call) {
        return new CommunicationException("rank " + rank + " of " + size + ": " + call + ": another rank failed, so the group stopped");
    }

    /** Breaks every barrier of the run: whoever waits, or arrives later, fails at once. */
    void breakAll() {
        List<LocalGroup> groups;
        synchronized (family) {
            groups = List.copyOf(family);
        }
        for (LocalGroup g : groups) {
            g.lock.lock();
            try {
                g.broken = true;
                g.allArrived.signalAll();
            } finally {
                g.lock.unlock();
            }
        }
    }

    MemorySegment postedSegment(int rank) {
        return (MemorySegment) posted[rank];
    }
}
