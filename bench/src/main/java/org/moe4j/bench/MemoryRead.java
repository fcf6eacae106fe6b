package org.moe4j.bench;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.moe4j.kernel.KernelPool;

/**
 * {@code moe4j bench memory}: the machine's read bandwidth as the decoding kernels see it. A buffer
 * much larger than the last-level cache (4 GiB by default; this machine's lscpu reports a 480 MiB L3,
 * a virtualised figure) is streamed front to back with vector loads into four accumulators, the
 * buffer cut into 16 MiB chunks handed out to the {@link KernelPool} threads, as WeightProduct streams
 * rows of weights at T = 1. GB/s is bytes read per second (10^9).
 */
public final class MemoryRead {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final long CHUNK = 16L << 20;
    /** Written with every sum, so the reads cannot be optimised away. */
    static volatile float sink;

    private MemoryRead() {}

    /** GB/s on {@code threads} threads: median of {@code runs} passes over the buffer after one warm-up pass. */
    public record Result(long bytes, int threads, double gigabytesPerSecond) {}

    /** Off-heap memory of {@code bytes}, or the file mapped when {@code file} is not null. */
    public static MemorySegment buffer(long bytes, Path file) {
        return file == null ? BenchMemory.anonymous(bytes) : BenchMemory.mapped(file);
    }

    public static Result measure(MemorySegment buffer, int threads, int runs) {
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            double seconds = Timing.medianSeconds(pass(buffer), 1, runs, 0);
            return new Result(readBytes(buffer), threads, readBytes(buffer) / seconds / 1e9);
        } finally {
            KernelPool.setThreads(before);
        }
    }

    /** Bytes one pass reads: the buffer down to a whole number of 4-vector steps. */
    static long readBytes(MemorySegment buffer) {
        return buffer.byteSize() - buffer.byteSize() % (4L * F.vectorByteSize());
    }

    /** One pass over the buffer on the kernel threads (16 MiB chunks handed out). */
    static Runnable pass(MemorySegment buffer) {
        long bytes = readBytes(buffer);
        int chunks = (int) ((bytes + CHUNK - 1) / CHUNK);
        return () -> KernelPool.parallelFor(chunks, c -> {
            long from = c * CHUNK;
            sink = sum(buffer, from, Math.min(bytes, from + CHUNK));
        });
    }

    /** The float32 sum of bytes [from, to) (a multiple of 4 vectors), four vector accumulators. */
    static float sum(MemorySegment s, long from, long to) {
        int vb = F.vectorByteSize();
        long end = from + (to - from) / (4L * vb) * (4L * vb);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (long o = from; o < end; o += 4L * vb) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, s, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, s, o + vb, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, s, o + 2L * vb, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, s, o + 3L * vb, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
