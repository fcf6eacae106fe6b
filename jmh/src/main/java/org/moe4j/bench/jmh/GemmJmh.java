package org.moe4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.moe4j.bench.Operands;
import org.moe4j.kernel.gemm.Gemm;
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
 * JMH: the GEMM in the three forms training uses (A.B forward, A.B^T for an [out, in] weight, A^T.B
 * for weight gradients) at the shapes the performance targets name. Time per call; GFLOP/s =
 * 2 M N K / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmJmh {
    /** "MxNxK" (JMH splits -p values at commas) */
    @Param({"1024x1024x1024", "4096x1408x512", "512x1408x512", "64x1408x512"})
    public String shape;

    /** "NN" = A.B, "NT" = A.B^T, "TN" = A^T.B */
    @Param({"NN", "NT", "TN"})
    public String form;

    private int m, n, k;
    private boolean transA, transB;
    private float[] a, b, c;

    @Setup
    public void setup() {
        String[] s = shape.split("x");
        m = Integer.parseInt(s[0]);
        n = Integer.parseInt(s[1]);
        k = Integer.parseInt(s[2]);
        transA = form.charAt(0) == 'T';
        transB = form.charAt(1) == 'T';
        Rng rng = new Rng(1);
        a = Operands.uniform(rng, m * k, "A");
        b = Operands.uniform(rng, k * n, "B");
        c = new float[m * n];
    }

    @Benchmark
    public float[] gemm() {
        Gemm.gemm(transA, transB, m, n, k, 1f, a, 0, transA ? m : k, b, 0, transB ? k : n, 0f, c, 0, n);
        return c;
    }
}
