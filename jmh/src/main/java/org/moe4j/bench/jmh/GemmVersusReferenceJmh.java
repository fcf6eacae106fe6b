package org.moe4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.moe4j.bench.Operands;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.gemm.GemmReference;
import org.moe4j.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** JMH: the fast GEMM against the scalar reference at 128 x 128 x 128, what blocking and vectors buy. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmVersusReferenceJmh {
    private final float[] a = Operands.uniform(new Rng(1), 128 * 128, "A");
    private final float[] b = Operands.uniform(new Rng(2), 128 * 128, "B");
    private final float[] c = new float[128 * 128];

    @Benchmark
    public float[] reference() {
        GemmReference.gemm(false, false, 128, 128, 128, 1f, a, 0, 128, b, 0, 128, 0f, c, 0, 128);
        return c;
    }

    @Benchmark
    public float[] fast() {
        Gemm.gemm(false, false, 128, 128, 128, 1f, a, 0, 128, b, 0, 128, 0f, c, 0, 128);
        return c;
    }
}
