package org.moe4j.dist;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A group of MPI processes (started by {@code mpirun -np N}) through Open MPI, bound by
 * {@link OpenMpi}. Native segments go to MPI as they are (their address is the buffer MPI reads
 * and writes); a heap segment is staged through a native buffer this communicator keeps and grows.
 *
 * <p>Any MPI error ends the whole job (Open MPI's default handler on MPI_COMM_WORLD is
 * MPI_ERRORS_ARE_FATAL), and {@link #abort} ends every rank at once: a failing rank never leaves
 * its peers waiting in a collective.
 */
public final class MpiCommunicator implements Communicator {
    private final OpenMpi mpi;
    private final MemorySegment comm;
    private final boolean world;
    private final int rank;
    private final int size;
    private final Arena staging = Arena.ofAuto();
    private MemorySegment stage = MemorySegment.NULL;
    private MemorySegment stageOut = MemorySegment.NULL;
    private boolean closed;

    private MpiCommunicator(OpenMpi mpi, MemorySegment comm, boolean world) {
        this.mpi = mpi;
        this.comm = comm;
        this.world = world;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check("MPI_Comm_rank", (int) mpi.commRank.invokeExact(comm, out));
            this.rank = out.get(JAVA_INT, 0);
            check("MPI_Comm_size", (int) mpi.commSize.invokeExact(comm, out));
            this.size = out.get(JAVA_INT, 0);
        } catch (CommunicationException e) {
            throw e;
        } catch (Throwable t) {
            throw new CommunicationException("MPI_Comm_rank/size failed", t);
        }
    }

    /**
     * MPI_COMM_WORLD of this process, initialising MPI (thread level serialized: calls may come
     * from any thread, one at a time) on first use. Fails with a clear message when no Open MPI
     * library can be loaded.
     */
    public static MpiCommunicator world() {
        OpenMpi mpi = OpenMpi.load();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            int rc = (int) mpi.initialized.invokeExact(flag);
            if (rc != 0) throw new CommunicationException("MPI_Initialized returned " + rc);
            if (flag.get(JAVA_INT, 0) == 0) {
                MemorySegment provided = arena.allocate(JAVA_INT);
                rc = (int) mpi.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, OpenMpi.MPI_THREAD_SERIALIZED, provided);
                if (rc != 0) throw new CommunicationException("MPI_Init_thread returned " + rc + ": " + mpi.errorText(rc));
                if (provided.get(JAVA_INT, 0) < OpenMpi.MPI_THREAD_SERIALIZED) {
                    throw new CommunicationException(mpi.library + " provides thread level " + provided.get(JAVA_INT, 0)
                            + " but moe4j needs MPI_THREAD_SERIALIZED (" + OpenMpi.MPI_THREAD_SERIALIZED + ")");
                }
            }
        } catch (CommunicationException e) {
            throw e;
        } catch (Throwable t) {
            throw new CommunicationException("MPI initialisation failed with " + mpi.library, t);
        }
        return new MpiCommunicator(mpi, mpi.commWorld, true);
    }

    /** The Open MPI version string, first line ("Open MPI v4.1.4, package: ..."). */
    public String libraryVersion() {
        return mpi.version.lines().findFirst().orElse("").strip();
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(MemorySegment buffer, long count) {
        CommChecks.count("allReduceSum", buffer, count);
        MemorySegment native_ = in(buffer, count);
        call("MPI_Allreduce", () -> (int) mpi.allreduce.invokeExact(mpi.inPlace, native_, (int) count, mpi.floatType, mpi.opSum, comm));
        out(native_, buffer, count);
    }

    @Override
    public void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts) {
        CommChecks.allToAll(send, sendCounts, receive, receiveCounts, size);
        long sent = CommChecks.counts("allToAll", "sendCounts", sendCounts, size);
        long received = CommChecks.counts("allToAll", "receiveCounts", receiveCounts, size);
        MemorySegment nativeSend = in(send, sent);
        MemorySegment nativeReceive = receive.isNative() ? receive : stageOut(received);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sc = arena.allocateFrom(JAVA_INT, sendCounts);
            MemorySegment sd = arena.allocateFrom(JAVA_INT, displacements(sendCounts));
            MemorySegment rc = arena.allocateFrom(JAVA_INT, receiveCounts);
            MemorySegment rd = arena.allocateFrom(JAVA_INT, displacements(receiveCounts));
            call("MPI_Alltoallv", () -> (int) mpi.alltoallv.invokeExact(
                    nativeSend, sc, sd, mpi.floatType, nativeReceive, rc, rd, mpi.floatType, comm));
        }
        out(nativeReceive, receive, received);
    }

    /** MPI_Allgatherv with MPI_IN_PLACE: this rank's block is already in place in the buffer. */
    @Override
    public void allGather(MemorySegment buffer, int[] counts) {
        long total = CommChecks.allGather(buffer, counts, size);
        MemorySegment native_ = in(buffer, total);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rc = arena.allocateFrom(JAVA_INT, counts);
            MemorySegment rd = arena.allocateFrom(JAVA_INT, displacements(counts));
            call("MPI_Allgatherv", () -> (int) mpi.allgatherv.invokeExact(
                    mpi.inPlace, 0, mpi.floatType, native_, rc, rd, mpi.floatType, comm));
        }
        out(native_, buffer, total);
    }

    @Override
    public int[] exchangeCounts(int[] sendCounts) {
        CommChecks.counts("exchangeCounts", "sendCounts", sendCounts, size);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(JAVA_INT, sendCounts);
            MemorySegment r = arena.allocate(JAVA_INT, size);
            call("MPI_Alltoall", () -> (int) mpi.alltoall.invokeExact(s, 1, mpi.intType, r, 1, mpi.intType, comm));
            return r.toArray(JAVA_INT);
        }
    }

    @Override
    public void broadcast(MemorySegment buffer, long count, int root) {
        CommChecks.count("broadcast", buffer, count);
        CommChecks.root("broadcast", root, size);
        MemorySegment native_ = in(buffer, count);
        call("MPI_Bcast", () -> (int) mpi.bcast.invokeExact(native_, (int) count, mpi.floatType, root, comm));
        out(native_, buffer, count);
    }

    @Override
    public void barrier() {
        call("MPI_Barrier", () -> (int) mpi.barrier.invokeExact(comm));
    }

    @Override
    public Communicator split(int color, int key) {
        if (color < 0) throw new IllegalArgumentException("split: color " + color + " must be >= 0");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = arena.allocate(ADDRESS);
            call("MPI_Comm_split", () -> (int) mpi.commSplit.invokeExact(comm, color, key, handle));
            return new MpiCommunicator(mpi, handle.get(ADDRESS, 0), false);
        }
    }

    /** Ends every rank of the job with this exit code: the way out of a failure that must not hang the peers. */
    public void abort(int exitCode) {
        try {
            int rc = (int) mpi.abort.invokeExact(mpi.commWorld, exitCode);
        } catch (Throwable t) {
            Runtime.getRuntime().halt(exitCode);
        }
    }

    /** A split group frees its handle; the world group finalises MPI (after which no MPI call is allowed). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (world) {
            call("MPI_Finalize", () -> (int) mpi.finalizeMpi.invokeExact());
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment handle = arena.allocate(ADDRESS);
                handle.set(ADDRESS, 0, comm);
                call("MPI_Comm_free", () -> (int) mpi.commFree.invokeExact(handle));
            }
        }
    }

    /** Block starts in elements: the exclusive prefix sums of the counts. */
    private static int[] displacements(int[] counts) {
        int[] at = new int[counts.length];
        for (int p = 1; p < counts.length; p++) at[p] = at[p - 1] + counts[p - 1];
        return at;
    }

    /** The buffer itself when native, else its first count floats copied into the staging buffer. */
    private MemorySegment in(MemorySegment buffer, long count) {
        if (buffer.isNative()) return buffer;
        long bytes = count * FLOAT_BYTES;
        if (stage.byteSize() < bytes) stage = staging.allocate(Math.max(bytes, 2 * stage.byteSize()), FLOAT_BYTES);
        MemorySegment.copy(buffer, 0, stage, 0, bytes);
        return stage;
    }

    private MemorySegment stageOut(long count) {
        long bytes = count * FLOAT_BYTES;
        if (stageOut.byteSize() < bytes) stageOut = staging.allocate(Math.max(bytes, 2 * stageOut.byteSize()), FLOAT_BYTES);
        return stageOut;
    }

    private static void out(MemorySegment native_, MemorySegment buffer, long count) {
        if (native_ != buffer) MemorySegment.copy(native_, 0, buffer, 0, count * FLOAT_BYTES);
    }

    @FunctionalInterface
    private interface MpiCall {
        int invoke() throws Throwable;
    }

    private void call(String name, MpiCall call) {
        int rc;
        try {
            rc = call.invoke();
        } catch (Throwable t) {
            throw new CommunicationException("rank " + rank + " of " + size + ": " + name + " failed", t);
        }
        check(name, rc);
    }

    private void check(String name, int rc) {
        if (rc != 0) throw new CommunicationException("rank " + rank + " of " + size + ": " + name + " returned " + rc + ": " + mpi.errorText(rc));
    }
}
