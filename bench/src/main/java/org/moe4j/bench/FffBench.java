package org.moe4j.bench;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradMode;
import org.moe4j.autograd.Variable;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.fff.FastFeedForwardConfig;
import org.moe4j.fff.SingleTokenInference;
import org.moe4j.kernel.KernelPool;
import org.moe4j.nn.Linear;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * A fast feedforward layer against the dense feed-forward layer of its training width 2^D l
 * (Linear, ReLU, Linear), both in moe4j, in one run. Inference: the FFF runs hard (batch 1 through
 * the allocation-free single-input path, larger batches grouped by leaf), the dense layer runs its
 * GEMMs (a GEMV at batch 1). Batch-1 inputs cycle through 64 different random vectors, so the tree
 * does not keep reaching one cached leaf. Training: one soft forward and backward (hardening loss
 * included) against one dense forward and backward, from the same upstream gradient.
 */
public final class FffBench {
    private FffBench() {}

    /** Median seconds per call of each side, and their ratio dense / fff. */
    public record Result(double fffSeconds, double denseSeconds) {
        public double speedup() {
            return denseSeconds / fffSeconds;
        }
    }

    private static final int INPUT_POOL = 64;
    /** Warm-up runs of 0.2 s each per side by default: the tree's parallel loops reach their compiled form only after a few seconds. */
    public static final int DEFAULT_WARMUPS = 15;

    private static FastFeedForwardConfig config(int in, int out, int depth, int leaf) {
        return FastFeedForwardConfig.of(in, leaf, out, depth).withSeed(1);
    }

    private static Linear[] dense(int in, int width, int out, Rng rng) {
        return new Linear[] {new Linear(in, width, true, rng), new Linear(width, out, true, rng)};
    }

    private static Variable denseForward(Linear[] dense, Variable x) {
        return dense[1].forward(Activation.relu(dense[0].forward(x)));
    }

    /** Hard FFF inference against dense inference of the same training width. */
    public static Result inference(int in, int out, int depth, int leaf, int batch, int threads, int runs, int warmups) {
        FastFeedForwardConfig c = config(in, out, depth, leaf);
        checkBatch(batch);
        int width = Math.toIntExact(c.trainingWidth());
        Rng rng = new Rng(2);
        FastFeedForward fff = new FastFeedForward(c);
        fff.train(false);
        Linear[] dense = dense(in, width, out, rng);
        int rows = batch == 1 ? INPUT_POOL : batch;
        Tensor x = Init.normal(Tensor.zeros(rows, in), rng, 0, 1);
        Runnable fffOp;
        Runnable denseOp;
        if (batch == 1) {
            SingleTokenInference one = fff.singleToken();
            float[] y = new float[out];
            int[] next = {0};
            fffOp = () -> {
                one.infer(x.data(), next[0] * in, y, 0);
                next[0] = (next[0] + 1) % INPUT_POOL;
            };
            int[] nextDense = {0};
            denseOp = () -> {
                denseForward(dense, Variable.constant(Tensor.view(x.data(), nextDense[0] * in, 1, in)));
                nextDense[0] = (nextDense[0] + 1) % INPUT_POOL;
            };
        } else {
            fffOp = () -> fff.infer(x);
            denseOp = () -> denseForward(dense, Variable.constant(x));
        }
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try (GradMode.Scope scope = GradMode.noGrad()) {
            return interleaved(fffOp, denseOp, runs, warmups);
        } finally {
            KernelPool.setThreads(before);
        }
    }

    /** One soft FFF training step (forward, hardening loss, backward) against one dense step. */
    public static Result trainingStep(int in, int out, int depth, int leaf, int batch, int threads, int runs, int warmups) {
        FastFeedForwardConfig c = config(in, out, depth, leaf);
        checkBatch(batch);
        int width = Math.toIntExact(c.trainingWidth());
        Rng rng = new Rng(3);
        FastFeedForward fff = new FastFeedForward(c);
        Linear[] dense = dense(in, width, out, rng);
        Tensor x = Init.normal(Tensor.zeros(batch, in), rng, 0, 1);
        Tensor dy = Init.normal(Tensor.zeros(batch, out), rng, 0, 1);
        Runnable fffStep = () -> {
            fff.zeroGrad();
            FastFeedForward.SoftOutput s = fff.soft(Variable.constant(x));
            Arithmetic.add(Arithmetic.sum(Arithmetic.mul(s.output(), Variable.constant(dy))), fff.hardeningLoss())
                    .backward();
        };
        Runnable denseStep = () -> {
            dense[0].zeroGrad();
            dense[1].zeroGrad();
            denseForward(dense, Variable.constant(x)).backward(dy);
        };
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            return interleaved(fffStep, denseStep, runs, warmups);
        } finally {
            KernelPool.setThreads(before);
        }
    }

    /**
     * Both sides warmed up, then timed in alternating runs of at least 0.2 s each, so a load change
     * on a shared machine falls on both; the median of each side's runs.
     */
    private static Result interleaved(Runnable fff, Runnable dense, int runs, int warmups) {
        Timing.medianSeconds(fff, warmups, 1, 0.2);
        Timing.medianSeconds(dense, warmups, 1, 0.2);
        double[] fffRuns = new double[runs];
        double[] denseRuns = new double[runs];
        for (int r = 0; r < runs; r++) {
            fffRuns[r] = Timing.medianSeconds(fff, 0, 1, 0.2);
            denseRuns[r] = Timing.medianSeconds(dense, 0, 1, 0.2);
        }
        return new Result(median(fffRuns), median(denseRuns));
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static void checkBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("bench fff: --batch-size is " + batch + ", must be >= 1");
        }
    }
}
