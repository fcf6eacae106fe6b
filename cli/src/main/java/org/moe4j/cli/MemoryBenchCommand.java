package org.moe4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.moe4j.bench.MemoryRead;
import org.moe4j.kernel.KernelPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j bench memory}: the read bandwidth of this machine as the decoding kernels stream
 * weights ({@link MemoryRead}), on 1 thread and on all kernel threads; one line each,
 * {@code memory GiB threads GB/s}. The denominator of the decode roofline.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Read bandwidth streaming a buffer much larger than the caches (or a mapped file) on 1 and on all "
                + "threads; prints 'memory GIB THREADS GB/s' per thread count.")
final class MemoryBenchCommand implements Callable<Integer> {
    @Option(names = "--gib", paramLabel = "G", description = "Off-heap buffer size in GiB (default: ${DEFAULT-VALUE}).")
    double gib = 4;

    @Option(names = "--file", paramLabel = "PATH", description = "Read this file, mapped, instead (e.g. a model shard).")
    Path file;

    @Option(names = "--threads", paramLabel = "N", description = "Thread count to measure besides 1 (default: all cores, "
            + "${DEFAULT-VALUE} here).")
    int threads = KernelPool.threads();

    @Option(names = "--runs", paramLabel = "R", description = "Timed passes; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs = 5;

    @Override
    public Integer call() {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs is " + runs + ", must be >= 1");
        }
        if (!(gib > 0) || gib > 1024) {
            throw new IllegalArgumentException("--gib is " + gib + ", must be in (0, 1024]");
        }
        KernelPool.setThreads(threads);
        var buffer = MemoryRead.buffer((long) (gib * (1L << 30)), file);
        Set<Integer> counts = new LinkedHashSet<>(java.util.List.of(1, threads));
        for (int t : counts) {
            MemoryRead.Result r = MemoryRead.measure(buffer, t, runs);
            System.out.println(String.format(Locale.ROOT, "memory %.2f %d %.1f", r.bytes() / (double) (1L << 30), t,
                    r.gigabytesPerSecond()));
        }
        return 0;
    }
}
