package org.moe4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.WeightProductBench;
import org.moe4j.tensor.WeightMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j bench weight-product ROWS COLS}: y = x W^T with W in its stored format
 * ({@link WeightProductBench}); prints {@code weight-product ROWS COLS DTYPE T GB/s GFLOP/s us/call} (medians)
 * followed by {@code best GB/s GFLOP/s us} (the fastest single call).
 */
@Command(name = "weight-product", mixinStandardHelpOptions = true,
        description = "y = x W^T for W [ROWS x COLS] stored as --dtype and T tokens, weights streamed from memory; prints "
                + "'weight-product ROWS COLS DTYPE T GB/s GFLOP/s us-per-call best GB/s GFLOP/s us' (medians, then the "
                + "fastest single call).")
final class WeightProductBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ROWS") int rows;
    @Parameters(index = "1", paramLabel = "COLS") int cols;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "f32, f16, bf16, or a GGUF block format q8_0, q4_0, q4_k, q5_k, q6_k, mxfp4 (default: ${DEFAULT-VALUE})")
    String dtype = "bf16";

    @Option(names = "--tokens", paramLabel = "T", description = "Rows of x (default: ${DEFAULT-VALUE})")
    int tokens = 1;

    @Option(names = "--working-set-gib", paramLabel = "G", description = "Distinct matrices cycled through, in GiB "
            + "(default: ${DEFAULT-VALUE}; larger than the caches, so weights come from memory)")
    double workingSetGib = 1;

    @Option(names = "--file", paramLabel = "PATH", description = "Take the matrices from this file, mapped (e.g. a model shard).")
    Path file;

    @Option(names = "--against-f32", description = "Also time the project's float32 GEMM (kernel.Gemm) "
            + "on the same shape; prints 'gemm ROWS COLS f32 T GFLOP/s'.")
    boolean againstF32;

    @Option(names = "--against-memory", description = "Instead, alternate R rounds (--runs) of a plain read of the "
            + "working set and one call on each matrix in it; prints 'weight-product-vs-memory ROWS COLS DTYPE T "
            + "kernel-GB/s read-GB/s ratio' (medians; the ratio is per round).")
    boolean againstMemory;

    @Mixin BenchCommand.Common common = new BenchCommand.Common();

    @Override
    public Integer call() {
        common.check();
        WeightMatrix.Format format = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> WeightMatrix.Format.F32;
            case "f16" -> WeightMatrix.Format.F16;
            case "bf16" -> WeightMatrix.Format.BF16;
            case "q8_0", "q4_0", "q4_k", "q5_k", "q6_k" -> WeightMatrix.Format.valueOf(dtype.toUpperCase(Locale.ROOT));
            case "mxfp4" -> WeightMatrix.Format.MXFP4_GGML;
            default -> throw new IllegalArgumentException("--dtype is " + dtype
                    + ", must be one of f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, mxfp4");
        };
        if (!(workingSetGib >= 0) || workingSetGib > 1024) {
            throw new IllegalArgumentException("--working-set-gib is " + workingSetGib + ", must be in [0, 1024]");
        }
        if (againstMemory) {
            WeightProductBench.AgainstMemory m = WeightProductBench.againstMemory(rows, cols, format, tokens, common.threads,
                    common.runs, (long) (workingSetGib * (1L << 30)));
            System.out.println(String.format(Locale.ROOT, "weight-product-vs-memory %d %d %s %d %.1f %.1f %.3f", rows, cols,
                    format.name().toLowerCase(Locale.ROOT), tokens, m.kernelGigabytesPerSecond(), m.readGigabytesPerSecond(),
                    m.ratio()));
            return 0;
        }
        WeightProductBench.Result r = WeightProductBench.measure(rows, cols, format, tokens, common.threads, common.runs,
                (long) (workingSetGib * (1L << 30)), file);
        System.out.println(String.format(Locale.ROOT, "weight-product %d %d %s %d %.1f %.1f %.1f best %.1f %.1f %.1f", rows, cols,
                format.name().toLowerCase(Locale.ROOT), tokens, r.gigabytesPerSecond(), r.gflops(), r.microsecondsPerCall(),
                r.bestGigabytesPerSecond(), r.bestGflops(), r.bestMicroseconds()));
        if (againstF32) {
            double gflops = WeightProductBench.float32GemmGflops(rows, cols, tokens, common.threads, common.runs);
            System.out.println(String.format(Locale.ROOT, "gemm %d %d f32 %d %.1f", rows, cols, tokens, gflops));
        }
        return 0;
    }
}
