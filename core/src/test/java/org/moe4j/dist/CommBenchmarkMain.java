package org.moe4j.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Latency and bandwidth of {@link MpiCommunicator}'s all-reduce and all-to-all on native segments,
 * OSU style: for each size, warm-up calls, then a timed batch between two barriers; the time is
 * the slowest rank's average per call (max all-reduce of the per-rank times). Run it with
 *
 * <pre>
 * mpirun --allow-run-as-root --oversubscribe -np 2 java --enable-native-access=ALL-UNNAMED \
 *     -cp core/target/classes:core/target/test-classes org.moe4j.dist.CommBenchmarkMain [BYTES...]
 * </pre>
 *
 * (with sizes in bytes as arguments, those sizes instead of 16 B to 16 MiB).
 *
 * All-reduce bandwidth is the buffer's bytes over the time; all-to-all sends the buffer's bytes
 * from each rank, split evenly among the ranks (itself included), and its bandwidth is those bytes
 * over the time.
 */
public final class CommBenchmarkMain {
    private static final long[] SIZES_BYTES = {16, 1 << 10, 16 << 10, 256 << 10, 4 << 20, 16 << 20};

    private CommBenchmarkMain() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--pair-rows")) {
            pairRows(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        try (MpiCommunicator world = MpiCommunicator.world(); Arena arena = Arena.ofShared()) {
            int n = world.size();
            if (world.rank() == 0) {
                System.out.println("| bytes | all-reduce µs | all-reduce GB/s | all-to-all µs | all-to-all GB/s |");
                System.out.println("|---:|---:|---:|---:|---:|");
            }
            long[] sizes = args.length == 0 ? SIZES_BYTES : java.util.Arrays.stream(args).mapToLong(Long::parseLong).toArray();
            for (long bytes : sizes) {
                int count = (int) (bytes / Communicator.FLOAT_BYTES);
                MemorySegment buffer = arena.allocate(ValueLayout.JAVA_FLOAT, count);
                MemorySegment receive = arena.allocate(ValueLayout.JAVA_FLOAT, count);
                int[] counts = new int[n];
                for (int p = 0; p < n; p++) counts[p] = count / n + (p < count % n ? 1 : 0);
                int iterations = (int) Math.max(10, Math.min(2000, (64L << 20) / Math.max(bytes, 1) ));
                double reduce = seconds(world, iterations, () -> world.allReduceSum(buffer, count));
                double allToAll = seconds(world, iterations, () -> world.allToAll(buffer, counts, receive, counts));
                if (world.rank() == 0) {
                    System.out.printf("| %d | %.1f | %.3f | %.1f | %.3f |%n", bytes, reduce * 1e6, bytes / reduce / 1e9, allToAll * 1e6, bytes / allToAll / 1e9);
                }
            }
        }
    }

    /**
     * The exchange of a served MoE layer's pair outputs (pairs x hidden floats, rank r's rows a
     * contiguous block): the all-reduce of the whole buffer (zeros outside a rank's rows) against
     * the in-place all-gather of the blocks, on a heap array as the engine passes it. Arguments:
     * pairs:hidden ... (default: decode and prefill sizes of a top-8, hidden-2048 model).
     */
    private static void pairRows(String[] shapes) {
        if (shapes.length == 0) shapes = new String[] {"8:2048", "32:2048", "64:2048", "256:2048", "1024:2048", "4096:2048"};
        try (MpiCommunicator world = MpiCommunicator.world()) {
            int n = world.size();
            if (world.rank() == 0) {
                System.out.println("| pairs x hidden | bytes | all-reduce µs | all-gather µs | all-gather / all-reduce |");
                System.out.println("|---|---:|---:|---:|---:|");
            }
            for (String shape : shapes) {
                int pairs = Integer.parseInt(shape.split(":")[0]);
                int hidden = Integer.parseInt(shape.split(":")[1]);
                float[] ye = new float[pairs * hidden];
                int[] counts = new int[n];
                for (int p = 0; p < n; p++) counts[p] = (pairs / n + (p < pairs % n ? 1 : 0)) * hidden;
                long bytes = (long) ye.length * Communicator.FLOAT_BYTES;
                int iterations = (int) Math.max(10, Math.min(2000, (64L << 20) / bytes));
                double reduce = seconds(world, iterations, () -> world.allReduceSum(ye));
                double gather = seconds(world, iterations, () -> world.allGather(ye, counts));
                if (world.rank() == 0) {
                    System.out.printf(java.util.Locale.ROOT, "| %d x %d | %d | %.1f | %.1f | %.2f |%n", pairs, hidden, bytes, reduce * 1e6,
                            gather * 1e6, gather / reduce);
                }
            }
        }
    }

    /** The slowest rank's mean seconds per call, after iterations / 10 + 2 warm-up calls. */
    private static double seconds(Communicator world, int iterations, Runnable call) {
        for (int i = 0; i < iterations / 10 + 2; i++) call.run();
        world.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) call.run();
        float[] elapsed = {(float) ((System.nanoTime() - start) / 1e9 / iterations)};
        float[] all = new float[world.size()];
        all[world.rank()] = elapsed[0];
        world.allReduceSum(all);
        float max = 0;
        for (float t : all) max = Math.max(max, t);
        return max;
    }
}
