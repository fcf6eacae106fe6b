package org.moe4j.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.Erf;
import org.moe4j.kernel.Gelu;
import org.moe4j.kernel.GeluApproximation;
import org.moe4j.kernel.LayerNorm;
import org.moe4j.kernel.RmsNorm;
import org.moe4j.kernel.Softmax;
import org.moe4j.kernel.TopK;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;
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
 * Row kernels on a [rows x cols] matrix: the vectorised kernels against plain scalar float loops
 * of the same formulas (the speed a straightforward Java implementation would have), and softmax
 * over the whole matrix (split over threads when large) against the same kernel called row by row
 * (always on one thread).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class RowKernelsBench {
    @Param({"4096x8", "256x1024", "512x1024", "1024x1024"})
    public String shape;

    private int rows, cols;
    private float[] x, y, dy, weight, bias, stat1, stat2, topValues;
    private int[] topIndices;

    @Setup
    public void setup() {
        String[] parts = shape.split("x");
        rows = Integer.parseInt(parts[0]);
        cols = Integer.parseInt(parts[1]);
        Rng rng = new Rng(1);
        x = Init.normal(Tensor.zeros(rows * cols), rng, 0, 2).data();
        dy = Init.normal(Tensor.zeros(rows * cols), rng, 0, 1).data();
        weight = Init.normal(Tensor.zeros(cols), rng, 1, 0.1).data();
        bias = new float[cols];
        y = new float[rows * cols];
        stat1 = new float[rows];
        stat2 = new float[rows];
        topValues = new float[rows * 2];
        topIndices = new int[rows * 2];
    }

    @Benchmark
    public float[] softmax() {
        Softmax.softmax(x, 0, rows, cols, y, 0);
        return y;
    }

    @Benchmark
    public float[] softmaxRowByRow() {
        for (int r = 0; r < rows; r++) {
            Softmax.softmax(x, r * cols, 1, cols, y, r * cols);
        }
        return y;
    }

    @Benchmark
    public float[] softmaxScalarLoop() {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[o + c]);
            }
            float sum = 0;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(x[o + c] - max);
                y[o + c] = e;
                sum += e;
            }
            for (int c = 0; c < cols; c++) {
                y[o + c] /= sum;
            }
        }
        return y;
    }

    @Benchmark
    public float[] geluExact() {
        Gelu.forward(x, 0, y, 0, x.length, GeluApproximation.NONE);
        return y;
    }

    @Benchmark
    public float[] geluExactScalarLoop() {
        for (int i = 0; i < x.length; i++) {
            y[i] = 0.5f * x[i] * (1 + Erf.erf(x[i] * 0.70710677f));
        }
        return y;
    }

    @Benchmark
    public float[] geluTanh() {
        Gelu.forward(x, 0, y, 0, x.length, GeluApproximation.TANH);
        return y;
    }

    @Benchmark
    public float[] geluExactBackward() {
        Gelu.backward(x, 0, dy, 0, y, 0, x.length, GeluApproximation.NONE);
        return y;
    }

    @Benchmark
    public float[] silu() {
        Activations.silu(x, 0, y, 0, x.length);
        return y;
    }

    @Benchmark
    public float[] siluScalarLoop() {
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] / (1 + (float) Math.exp(-x[i]));
        }
        return y;
    }

    @Benchmark
    public float[] rmsNorm() {
        RmsNorm.forward(x, 0, rows, cols, weight, 0, 1e-5f, y, 0, stat1, 0);
        return y;
    }

    @Benchmark
    public float[] layerNorm() {
        LayerNorm.forward(x, 0, rows, cols, weight, 0, bias, 0, 1e-5f, y, 0, stat1, 0, stat2, 0);
        return y;
    }

    @Benchmark
    public int[] top2() {
        TopK.topK(x, 0, rows, cols, 2, topValues, 0, topIndices, 0);
        return topIndices;
    }
}
