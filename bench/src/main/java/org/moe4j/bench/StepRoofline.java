package org.moe4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.Sequence;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.Reductions;
import org.moe4j.kernel.WeightProduct;
import org.moe4j.tensor.WeightMatrix;

/**
 * How close a decode step comes to what the machine allows (the roofline model, Williams et al.
 * 2009): a step must read its weights and KV cache and do its arithmetic, so it takes at least
 * max(bytes / read bandwidth, FLOPs / compute rate). Both rates are measured here, on the same
 * threads: the bandwidth of a parallel pass over an array far larger than the caches, and this
 * project's own weight product (the kernel every decode product runs) at a compute-bound shape.
 *
 * <p>Bytes of a step at batch B: every attention, router, shared-expert and LM-head weight once;
 * of each MoE layer only the experts the B tokens chose (counted from the step's routing: the
 * distinct experts, which grow with B, so larger batches read more); B embedding rows; and every
 * sequence's cached keys and values up to its position (float32). FLOPs: 2 per weight a token
 * multiplies (its k experts, not the distinct ones), plus attention's 2 (headDim + valueDim) per
 * head per visible position.
 */
public final class StepRoofline {
    /** Where the bandwidth pass leaves its sum, so the JIT cannot drop the reads. */
    private static volatile float sink;

    private StepRoofline() {}

    /** The machine's measured rates: bytes read per second and FLOPs per second of the weight product. */
    public record Machine(double readBytesPerSecond, double flopsPerSecond, WeightMatrix.Format format) {}

    /**
     * One batch size: what a step reads and computes, the roofline time (the larger of the two
     * bounds) and the measured mean step time.
     */
    public record Row(int batch, long weightBytes, long kvBytes, long flops, double memoryMs, double computeMs, double measuredMs) {
        public double rooflineMs() {
            return Math.max(memoryMs, computeMs);
        }

        public double ratio() {
            return measuredMs / rooflineMs();
        }

        /** The same step against another machine's rates (the bounds recomputed from the bytes and FLOPs). */
        public Row against(Machine machine) {
            return new Row(batch, weightBytes, kvBytes, flops, (double) (weightBytes + kvBytes) / machine.readBytesPerSecond() * 1e3,
                    (double) flops / machine.flopsPerSecond() * 1e3, measuredMs);
        }
    }

    /** Measures both rates with the current kernel threads; {@code format}: the weights' stored format. */
    public static Machine machine(WeightMatrix.Format format) {
        return new Machine(readBandwidth(), productRate(format), format);
    }

    /**
     * {@link #machine} measured in a new JVM of the same command line and kernel threads. In the process
     * that has just run a model, the weight product's rate came out low: the JIT had compiled the
     * product for the model's own shapes, and the probe's 64 x 2048 x 2048 product then ran at 71-86
     * GFLOP/s where the same probe in a fresh JVM ran at 123-137 (F32, default model, 2026-12-06) and a
     * harness that first ran 384 x 256 products saw 109; probing first instead slowed the model's steps.
     */
    public static Machine machineInFreshProcess(WeightMatrix.Format format) throws java.io.IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-XX:StartFlightRecording")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StepRoofline.class.getName(),
                format.name(), Integer.toString(KernelPool.threads())));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        String line = out.lines().filter(l -> l.startsWith("rates ")).findFirst().orElse(null);
        if (code != 0 || line == null) {
            throw new IllegalStateException("roofline: the rate probe's process exited with " + code + " and printed: " + out.strip());
        }
        String[] f = line.split(" ");
        return new Machine(Double.parseDouble(f[1]), Double.parseDouble(f[2]), format);
    }

    /** The fresh process of {@link #machineInFreshProcess}: args FORMAT THREADS; prints "rates BYTES_PER_S FLOPS_PER_S". */
    public static void main(String[] args) {
        KernelPool.setThreads(Integer.parseInt(args[1]));
        Machine m = machine(WeightMatrix.Format.valueOf(args[0]));
        System.out.println(String.format(Locale.ROOT, "rates %.6e %.6e", m.readBytesPerSecond(), m.flopsPerSecond()));
    }

    /** The best of 5 parallel passes over 512 MiB of floats, in bytes per second. */
    static double readBandwidth() {
        int n = 1 << 27;
        float[] x = new float[n];
        for (int i = 0; i < n; i += 1024) x[i] = i;
        int chunk = 1 << 16;
        int chunks = n / chunk;
        float[] partial = new float[chunks];
        double best = 0;
        for (int round = 0; round < 6; round++) {
            long t0 = System.nanoTime();
            KernelPool.parallelFor(chunks, c -> partial[c] = Reductions.sum(x, c * chunk, chunk));
            long t = System.nanoTime() - t0;
            if (round > 0) best = Math.max(best, (double) n * Float.BYTES / (t / 1e9));
        }
        sink = Reductions.sum(partial, 0, chunks);
        return best;
    }

    /** The best of 5 products of 64 rows by a 2048 x 2048 weight matrix (F32, F16 or BF16), in FLOPs per second. */
    static double productRate(WeightMatrix.Format format) {
        if (format != WeightMatrix.Format.F32 && format != WeightMatrix.Format.F16 && format != WeightMatrix.Format.BF16) {
            throw new IllegalArgumentException("roofline: the weight product's rate is measured for F32, F16 and BF16, not " + format);
        }
        int rows = 64;
        int d = 2048;
        try (Arena arena = Arena.ofShared()) { // shared: the kernel pool's threads read it
            MemorySegment data = arena.allocate((long) d * d * format.bytes());
            for (long i = 0; i < data.byteSize(); i += 2) data.set(java.lang.foreign.ValueLayout.JAVA_SHORT, i, (short) 0x3c00);
            WeightMatrix w = new WeightMatrix(data, format, d, d);
            float[] x = new float[rows * d];
            java.util.Arrays.fill(x, 0.5f);
            float[] y = new float[rows * d];
            double best = 0;
            for (int round = 0; round < 6; round++) {
                long t0 = System.nanoTime();
                WeightProduct.multiply(x, 0, rows, w, y, 0);
                long t = System.nanoTime() - t0;
                if (round > 0) best = Math.max(best, 2.0 * rows * d * d / (t / 1e9));
            }
            return best;
        }
    }

    /**
     * Decodes {@code steps} greedy steps of {@code batch} sequences after a prompt of
     * {@code promptTokens} each (not timed), counting each step's distinct experts; returns the
     * step's mean bytes, FLOPs and time against the machine's rates.
     */
    public static Row measure(DecoderModel model, int batch, int promptTokens, int steps, double bytesPerWeight, Machine machine) {
        return measure(model, batch, promptTokens, steps, bytesPerWeight).against(machine);
    }

    /** As above with no rates yet: the bounds are NaN until {@link Row#against} gives them a machine. */
    public static Row measure(DecoderModel model, int batch, int promptTokens, int steps, double bytesPerWeight) {
        ModelConfig c = model.config();
        int V = c.vocabSize();
        List<Sequence> seqs = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            seqs.add(model.newSequence(promptTokens + steps));
            int[] p = new int[promptTokens];
            for (int i = 0; i < promptTokens; i++) p[i] = (i * 7 + b * 13) % V;
            prompts.add(p);
        }
        float[] logits = model.forward(seqs, prompts, false, ForwardObserver.NONE);
        List<int[]> next = new ArrayList<>();
        for (int b = 0; b < batch; b++) next.add(new int[1]);
        Distinct distinct = new Distinct(c);
        long nanos = 0;
        double weightBytes = 0;
        double kvBytes = 0;
        double flops = 0;
        for (int step = 0; step < steps; step++) {
            for (int b = 0; b < batch; b++) next.get(b)[0] = argmax(logits, b, V);
            distinct.reset();
            int position = seqs.getFirst().length();
            long t0 = System.nanoTime();
            logits = model.forward(seqs, next, false, distinct);
            nanos += System.nanoTime() - t0;
            weightBytes += stepWeights(c, batch, distinct) * bytesPerWeight;
            kvBytes += (double) batch * kvFloatsRead(c, position) * Float.BYTES;
            flops += batch * tokenFlops(c, position);
        }
        double w = weightBytes / steps;
        double kv = kvBytes / steps;
        double f = flops / steps;
        return new Row(batch, Math.round(w), Math.round(kv), Math.round(f), Double.NaN, Double.NaN, nanos / 1e6 / steps);
    }

    /** Weights a step reads, in elements: everything but the unchosen experts, and B embedding rows. */
    static double stepWeights(ModelConfig c, int batch, Distinct distinct) {
        int H = c.hiddenSize();
        double total = (double) batch * H + (double) c.vocabSize() * H;
        for (int l = 0; l < c.numLayers(); l++) {
            total += attentionWeights(c.attention(), H);
            switch (c.layers().get(l).feedForward()) {
                case ModelConfig.Dense d -> total += 3.0 * H * d.intermediateSize();
                case ModelConfig.Moe m -> total += (double) m.numExperts() * H + 3.0 * H * m.sharedSize()
                        + distinct.count(l) * 3.0 * H * m.expertSize();
                default -> throw new IllegalStateException("unknown feed-forward " + c.layers().get(l).feedForward());
            }
        }
        return total;
    }

    /** FLOPs of one token at {@code position} (it attends to position + 1 cached rows). */
    static double tokenFlops(ModelConfig c, int position) {
        int H = c.hiddenSize();
        AttentionSpec a = c.attention();
        double weights = (double) c.vocabSize() * H;
        double attend = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            weights += attentionWeights(a, H);
            switch (c.layers().get(l).feedForward()) {
                case ModelConfig.Dense d -> weights += 3.0 * H * d.intermediateSize();
                case ModelConfig.Moe m -> weights += (double) m.numExperts() * H + 3.0 * H * m.sharedSize() + m.topK() * 3.0 * H * m.expertSize();
                default -> throw new IllegalStateException("unknown feed-forward " + c.layers().get(l).feedForward());
            }
            attend += 2.0 * a.heads() * (a.headDim() + a.valueDim()) * visible(c, l, position);
        }
        return 2 * weights + attend;
    }

    /** Cached floats one token at {@code position} reads over all layers (keys and values of the visible positions). */
    static double kvFloatsRead(ModelConfig c, int position) {
        AttentionSpec a = c.attention();
        double total = 0;
        for (int l = 0; l < c.numLayers(); l++) total += (double) visible(c, l, position) * a.kvHeads() * (a.headDim() + a.valueDim());
        return total;
    }

    private static int visible(ModelConfig c, int layer, int position) {
        int window = c.layers().get(layer).slidingWindow();
        return window > 0 ? Math.min(window, position + 1) : position + 1;
    }

    /** Elements of one layer's attention projections. */
    static double attentionWeights(AttentionSpec a, int H) {
        if (a.kind() == AttentionKind.LATENT) {
            int nope = a.headDim() - a.ropeDim();
            double q = a.qLoraRank() == 0 ? (double) H * a.heads() * a.headDim()
                    : (double) H * a.qLoraRank() + (double) a.qLoraRank() * a.heads() * a.headDim();
            return q + (double) H * (a.kvLoraRank() + a.ropeDim()) + (double) a.kvLoraRank() * a.heads() * (nope + a.valueDim())
                    + (double) a.heads() * a.valueDim() * H;
        }
        return (double) H * a.heads() * a.headDim() + (double) H * a.kvHeads() * (a.headDim() + a.valueDim())
                + (double) a.heads() * a.valueDim() * H;
    }

    /** The distinct experts each MoE layer used in one step. */
    static final class Distinct implements ForwardObserver {
        private final boolean[][] used;
        private final int[] counts;

        Distinct(ModelConfig c) {
            used = new boolean[c.numLayers()][];
            counts = new int[c.numLayers()];
            for (int l = 0; l < used.length; l++) {
                if (c.layers().get(l).feedForward() instanceof ModelConfig.Moe m) used[l] = new boolean[m.numExperts()];
            }
        }

        void reset() {
            for (boolean[] u : used) if (u != null) java.util.Arrays.fill(u, false);
            java.util.Arrays.fill(counts, 0);
        }

        @Override
        public void routing(int layer, int[] experts, float[] weights, int T, int k) {
            for (int i = 0; i < T * k; i++) {
                if (!used[layer][experts[i]]) {
                    used[layer][experts[i]] = true;
                    counts[layer]++;
                }
            }
        }

        int count(int layer) {
            return counts[layer];
        }
    }

    private static int argmax(float[] data, int row, int vocab) {
        int off = row * vocab;
        int best = 0;
        for (int i = 1; i < vocab; i++) if (data[off + i] > data[off + best]) best = i;
        return best;
    }

    /** The rows as a Markdown table, with the machine's rates in the header line. */
    public static String table(Machine m, List<Row> rows) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "read bandwidth %.1f GB/s, weight product (%s) %.1f GFLOP/s%n%n", m.readBytesPerSecond() / 1e9, m.format(),
                m.flopsPerSecond() / 1e9));
        out.append("| batch | weights read (MB) | KV read (MB) | MFLOP | memory bound (ms) | compute bound (ms) | roofline (ms) "
                + "| measured (ms) | measured / roofline |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "| %d | %.2f | %.2f | %.1f | %.3f | %.3f | %.3f | %.3f | %.2fx |%n", r.batch(),
                    r.weightBytes() / 1e6, r.kvBytes() / 1e6, r.flops() / 1e6, r.memoryMs(), r.computeMs(), r.rooflineMs(),
                    r.measuredMs(), r.ratio()));
        }
        return out.toString();
    }
}
