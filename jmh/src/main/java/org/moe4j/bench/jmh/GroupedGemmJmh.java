package org.moe4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.moe4j.bench.GroupedGemmBench;
import org.moe4j.bench.Operands;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.gemm.GroupedGemm;
import org.moe4j.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: the MoE expert GEMM, E groups with a random split of T rows, each [rows x K] . [K x N], against
 * one GEMM over all T rows with one weight (the work a grouped call cannot beat) and against a loop
 * of E separate GEMM calls (what grouping saves).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GroupedGemmJmh {
    /** "ExTxNxK" (JMH splits -p values at commas) */
    @Param({"8x4096x1408x512", "64x2048x256x512"})
    public String shape;

    private int groups, tokens, n, k;
    private int[] rows, ns, ks, aOff, bOff, cOff;
    private float[] a, b, c;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        groups = Integer.parseInt(s[0]);
        tokens = Integer.parseInt(s[1]);
        n = Integer.parseInt(s[2]);
        k = Integer.parseInt(s[3]);
        rows = GroupedGemmBench.randomRows(groups, tokens, 1);
        ns = new int[groups];
        ks = new int[groups];
        aOff = new int[groups];
        bOff = new int[groups];
        cOff = new int[groups];
        for (int g = 0, start = 0; g < groups; start += rows[g], g++) {
            ns[g] = n;
            ks[g] = k;
            aOff[g] = start * k;
            bOff[g] = g * k * n;
            cOff[g] = start * n;
        }
        Rng rng = new Rng(2);
        a = Operands.uniform(rng, tokens * k, "A");
        b = Operands.uniform(rng, groups * k * n, "B");
        c = new float[tokens * n];
    }

    @Benchmark
    public float[] grouped() {
        GroupedGemm.gemm(false, false, rows, ns, ks, 1f, a, aOff, k, b, bOff, n, 0f, c, cOff, n);
        return c;
    }

    @Benchmark
    public float[] loopOfGemms() {
        for (int g = 0; g < groups; g++) {
            Gemm.gemm(false, false, rows[g], n, k, 1f, a, aOff[g], k, b, bOff[g], n, 0f, c, cOff[g], n);
        }
        return c;
    }

    @Benchmark
    public float[] singleGemm() {
        Gemm.gemm(false, false, tokens, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        return c;
    }
}
