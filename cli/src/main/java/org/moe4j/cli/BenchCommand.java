package org.moe4j.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.GemmBench;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.bench.GemvBench;
import org.moe4j.bench.GroupedGemmBench;
import org.moe4j.bench.MoeBench;
import org.moe4j.kernel.KernelPool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code moe4j bench}: kernel throughput, one result line per run (median of several timed runs
 * after warm-up), to compare side by side with bench/scripts/numpy_gemm.py (OpenBLAS through numpy). JMH benchmarks of the
 * same kernels live in the jmh module.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure kernel throughput (median of several runs after warm-up).",
        subcommands = {BenchCommand.GemmCommand.class, BenchCommand.GroupedGemmCommand.class, BenchCommand.GemvCommand.class,
                MlpStepBenchCommand.class, BpeBenchCommand.class, BenchCommand.MoeCommand.class, FffBenchCommand.class,
                ServeBenchCommand.class, DecodeBenchCommand.class, TokenizerBenchCommand.class, MemoryBenchCommand.class,
                WeightProductBenchCommand.class, PrefillBenchCommand.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every bench subcommand shares. */
    static final class Common {
        @Option(names = "--threads", paramLabel = "N", description = "Kernel threads (default: all cores, ${DEFAULT-VALUE} here).")
        int threads = KernelPool.threads();

        @Option(names = "--runs", paramLabel = "R", description = "Timed runs; the median is reported (default: ${DEFAULT-VALUE}).")
        int runs = 7;

        void check() {
            if (runs < 1) {
                throw new IllegalArgumentException("--runs is " + runs + ", must be >= 1");
            }
        }
    }

    @Command(name = "gemm", mixinStandardHelpOptions = true,
            description = "C = op(A).op(B) for random A, B (op(A) M x K, op(B) K x N); prints the CPU, the kernel and "
                    + "blocking chosen and why (lines starting with '# '), then 'gemm M N K GFLOPS'.")
    static final class GemmCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "M") int m;
        @Parameters(index = "1", paramLabel = "N") int n;
        @Parameters(index = "2", paramLabel = "K") int k;
        @Option(names = "--cpu-time", description = "Time in this thread's CPU time instead of the wall clock "
                + "(needs --threads 1): on a machine shared with other jobs, leaves out the time the core ran them.")
        boolean cpuTime;
        @Option(names = "--trans-a", description = "Multiply by A^T (A stored K x M), as a weight gradient does.") boolean transA;
        @Option(names = "--trans-b", description = "Multiply by B^T (B stored N x K), as a linear layer's forward does.") boolean transB;
        @Mixin Common common = new Common();

        @Override
        public Integer call() {
            common.check();
            double gflops = GemmBench.gflops(transA, transB, m, n, k, common.threads, common.runs, cpuTime);
            for (String line : Gemm.describe(m, n, k, common.threads).split("\n")) {
                System.out.println("# " + line);
            }
            System.out.println(String.format(Locale.ROOT, "gemm %d %d %d %.1f", m, n, k, gflops));
            return 0;
        }
    }

    @Command(name = "grouped-gemm", mixinStandardHelpOptions = true,
            description = "E groups of random row counts summing to T, each [rows x K].[K x N]; "
                    + "prints 'grouped-gemm E T N K GFLOPS'.")
    static final class GroupedGemmCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "E") int groups;
        @Parameters(index = "1", paramLabel = "T") int tokens;
        @Parameters(index = "2", paramLabel = "N") int n;
        @Parameters(index = "3", paramLabel = "K") int k;
        @Mixin Common common = new Common();

        @Override
        public Integer call() {
            common.check();
            double gflops = GroupedGemmBench.gflops(groups, tokens, n, k, common.threads, common.runs);
            System.out.println(String.format(Locale.ROOT, "grouped-gemm %d %d %d %d %.1f", groups, tokens, n, k, gflops));
            return 0;
        }
    }

    @Command(name = "gemv", mixinStandardHelpOptions = true,
            description = "y = A x for random A [M x N] (y = A^T x with --trans); prints 'gemv M N GFLOPS GB/s'.")
    static final class GemvCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "M") int m;
        @Parameters(index = "1", paramLabel = "N") int n;
        @Option(names = "--trans", description = "Multiply by the transpose of A.") boolean trans;
        @Mixin Common common = new Common();

        @Override
        public Integer call() {
            common.check();
            GemvBench.Result r = GemvBench.measure(trans, m, n, common.threads, common.runs);
            System.out.println(String.format(Locale.ROOT, "gemv%s %d %d %.1f %.1f",
                    trans ? "-trans" : "", m, n, r.gflops(), r.gigabytesPerSecond()));
            return 0;
        }
    }

    @Command(name = "moe", mixinStandardHelpOptions = true,
            description = "Forward + backward of a Mixtral-shaped MoE layer and of a dense SwiGLU with the same active "
                    + "parameters (hidden k * h); prints 'moe: N tokens/s' and 'dense: N tokens/s', then the MoE layer's "
                    + "GFLOP/s against its nine expert products run alone on the same rows per expert.")
    static final class MoeCommand implements Callable<Integer> {
        @Option(names = "--d-model", paramLabel = "D", description = "Model width (default: ${DEFAULT-VALUE}).") int d = 512;
        @Option(names = "--hidden", paramLabel = "H", description = "Expert hidden size (default: ${DEFAULT-VALUE}).") int hidden = 1408;
        @Option(names = "--experts", paramLabel = "E", description = "Experts (default: ${DEFAULT-VALUE}).") int experts = 8;
        @Option(names = "--top-k", paramLabel = "K", description = "Experts per token (default: ${DEFAULT-VALUE}).") int k = 2;
        @Option(names = "--tokens", paramLabel = "T", description = "Tokens per batch (default: ${DEFAULT-VALUE}).") int tokens = 4096;
        @picocli.CommandLine.Mixin Common common = new Common();

        @Override
        public Integer call() {
            common.check();
            MoeBench.Result r = MoeBench.measure(d, hidden, experts, k, tokens, common.threads, common.runs);
            System.out.println(String.format(Locale.ROOT, "moe d-model=%d hidden=%d experts=%d top-k=%d tokens=%d threads=%d",
                    d, hidden, experts, k, tokens, common.threads));
            System.out.println(String.format(Locale.ROOT, "moe: %.0f tokens/s", r.moeTokensPerSecond()));
            System.out.println(String.format(Locale.ROOT, "dense: %.0f tokens/s", r.denseTokensPerSecond()));
            System.out.println(String.format(Locale.ROOT, "moe time / dense time: %.3f",
                    r.denseTokensPerSecond() / r.moeTokensPerSecond()));
            System.out.println(String.format(Locale.ROOT, "moe layer: %.1f GFLOP/s; its expert products alone: %.1f GFLOP/s (%.0f%%)",
                    r.moeGflops(), r.productsGflops(), 100 * r.fractionOfProducts()));
            return 0;
        }
    }
}
