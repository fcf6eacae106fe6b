package org.moe4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.moe4j.bench.Operands;
import org.moe4j.kernel.gemm.Gemv;
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
 * JMH: batch-1 matrix-vector products with a 14336 x 4096 weight (Mixtral's expert size), y = W x
 * for the [out, in] weight and y = W^T x for the layout numpy's 1 x 4096 . 4096 x 14336 uses.
 * Memory bound: bytes per second = 4 (M N + M + N) / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmx2g"})
public class GemvJmh {
    @Param({"false", "true"})
    public boolean trans;

    private int rows, cols;
    private float[] a, x, y;

    @Setup
    public void setup() {
        // x has 4096 elements and y 14336 either way: W is [14336 x 4096], or [4096 x 14336] transposed
        rows = trans ? 4096 : 14336;
        cols = trans ? 14336 : 4096;
        Rng rng = new Rng(1);
        a = Operands.uniform(rng, rows * cols, "A");
        x = Operands.uniform(rng, 4096, "x");
        y = new float[14336];
    }

    @Benchmark
    public float[] gemv() {
        Gemv.gemv(trans, rows, cols, 1f, a, 0, cols, x, 0, 0f, y, 0);
        return y;
    }
}
