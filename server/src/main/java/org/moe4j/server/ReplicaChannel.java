package org.moe4j.server;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.moe4j.dist.Communicator;

/**
 * The broadcast of {@link ReplicaStep}s from rank 0 to the other ranks of a serving group: its
 * length first (one element), then its ints, each carried bit for bit in a float element. Every rank
 * calls {@link #send} (rank 0) or {@link #receive} (the others) once per step, in the same order as
 * the engine's all-gathers, so the collectives of all ranks stay aligned.
 */
final class ReplicaChannel {
    private final Communicator group;

    ReplicaChannel(Communicator group) {
        this.group = group;
    }

    Communicator group() {
        return group;
    }

    /** Rank 0, once before the first step: the shape of its KV pool, which the others make alike. */
    void sendPool(int blocks, int blockSize) {
        send(new ReplicaStep(ReplicaStep.Kind.IDLE, new int[] {blocks, blockSize}, new int[0], new int[0], List.of()));
    }

    /** The other ranks: {blocks, block size} of rank 0's KV pool. */
    int[] receivePool() {
        ReplicaStep shape = receive();
        if (shape.freed().length != 2) throw new IllegalStateException("rank 0 did not start with its KV pool's shape: the ranks are out of step");
        return shape.freed();
    }

    /** Rank 0: sends the step to every other rank. */
    void send(ReplicaStep step) {
        int[] body = step.encode();
        MemorySegment length = buffer(1);
        length.set(ValueLayout.JAVA_INT, 0, body.length);
        group.broadcast(length, 1, 0);
        MemorySegment data = buffer(body.length);
        MemorySegment.copy(body, 0, data, ValueLayout.JAVA_INT, 0, body.length);
        group.broadcast(data, body.length, 0);
    }

    /** The other ranks: waits for rank 0's next step. */
    ReplicaStep receive() {
        MemorySegment length = buffer(1);
        group.broadcast(length, 1, 0);
        int n = length.get(ValueLayout.JAVA_INT, 0);
        if (n < 3) throw new IllegalStateException("a replica step of " + n + " ints was announced: the ranks are out of step");
        MemorySegment data = buffer(n);
        group.broadcast(data, n, 0);
        return ReplicaStep.decode(data.toArray(ValueLayout.JAVA_INT));
    }

    /** A heap buffer of n elements: any thread may read it (an in-process group copies from the root's thread). */
    private static MemorySegment buffer(int n) {
        return MemorySegment.ofArray(new float[n]);
    }
}
