package org.moe4j.bench;

import org.moe4j.autograd.Variable;
import org.moe4j.kernel.KernelPool;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.Capacity;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.SwiGluExperts;
import org.moe4j.moe.router.TopKGating;
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * {@code moe4j bench moe}: forward + backward of a Mixtral-shaped MoE layer (softmax top-k router,
 * E SwiGLU experts of hidden h, dropless, no auxiliary loss) against a dense SwiGLU with the same
 * active parameters (hidden k * h), on the same T random tokens and upstream gradient. Each call
 * builds the graph, runs the forward and the backward; parameter gradients are cleared between
 * calls. Both layers warm up together (at least 4 calls and 4 s), then timed runs alternate
 * between them and the MoE layer's expert products run alone ({@link MoeProducts}), each run
 * repeating its call for at least 0.3 s, and the medians are reported.
 */
public final class MoeBench {
    /**
     * Tokens per second of each layer, forward + backward; the MoE layer's GFLOP/s (its expert
     * products' 18 R d h operations over R routed rows, plus the router's 6 T d E) and the GFLOP/s of
     * its nine expert products run alone on the same rows per expert ({@link MoeProducts}).
     */
    public record Result(double moeTokensPerSecond, double denseTokensPerSecond, double moeGflops, double productsGflops) {
        /** The layer's rate as a fraction of its products' rate alone: what routing, SwiGLU, gathers and scatters cost. */
        public double fractionOfProducts() {
            return moeGflops / productsGflops;
        }
    }

    private static final int WARMUPS = 4;
    private static final double WARMUP_SECONDS = 4;
    private static final double MIN_SECONDS_PER_RUN = 0.3;

    private MoeBench() {}

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static Result measure(int d, int hidden, int experts, int topK, int tokens, int threads, int runs) {
        if (d < 1 || hidden < 1 || experts < 1 || topK < 1 || topK > experts || tokens < 1) {
            throw new IllegalArgumentException("bench moe: --d-model " + d + " --hidden " + hidden + " --experts " + experts
                    + " --top-k " + topK + " --tokens " + tokens + ": all must be >= 1 and --top-k at most --experts");
        }
        Rng rng = new Rng(1);
        MoeLayer moe = new MoeLayer(new SoftmaxTopKRouter(d, experts, TopKGating.mixtral(topK), 0f, rng),
                new SwiGluExperts(experts, d, hidden, rng), null, Capacity.dropless(), BalancingLosses.none(), false, rng);
        SwiGluFeedForward dense = new SwiGluFeedForward(d, topK * hidden, rng);
        Tensor x = Init.normal(Tensor.zeros(tokens, d), rng, 0, 1);
        Tensor seed = Init.normal(Tensor.zeros(tokens, d), rng, 0, 1);
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            Runnable moeStep = () -> {
                moe.zeroGrad();
                moe.forward(Variable.parameter(x)).output().backward(seed);
            };
            Runnable denseStep = () -> {
                dense.zeroGrad();
                dense.forward(Variable.parameter(x)).backward(seed);
            };
            long warmupEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
            for (int i = 0; i < WARMUPS || System.nanoTime() < warmupEnd; i++) {
                moeStep.run();
                denseStep.run();
            }
            // the products alone, on the rows per expert of the last warm-up call's routing
            MoeProducts products = new MoeProducts(d, hidden, moe.lastDiagnostics().tokensPerExpert(), new Rng(3));
            for (int i = 0; i < WARMUPS; i++) {
                products.run();
            }
            // alternate the three so that a busy spell on a shared machine hits all alike
            double[] moeSeconds = new double[runs];
            double[] denseSeconds = new double[runs];
            double[] productSeconds = new double[runs];
            for (int r = 0; r < runs; r++) {
                moeSeconds[r] = Timing.medianSeconds(moeStep, 0, 1, MIN_SECONDS_PER_RUN);
                denseSeconds[r] = Timing.medianSeconds(denseStep, 0, 1, MIN_SECONDS_PER_RUN);
                productSeconds[r] = Timing.medianSeconds(products::run, 0, 1, MIN_SECONDS_PER_RUN);
            }
            double moeFlops = products.flops() + 6.0 * tokens * d * experts;
            return new Result(tokens / median(moeSeconds), tokens / median(denseSeconds),
                    moeFlops / median(moeSeconds) / 1e9, products.flops() / median(productSeconds) / 1e9);
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
