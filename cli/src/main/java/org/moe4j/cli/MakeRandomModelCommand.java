package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.RandomCheckpoint;
import org.moe4j.io.DType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code moe4j make-random-model --config CONFIG.json --out DIR}: a Hugging Face model folder with the
 * real tensor names and shapes of the config's family and seeded random weights
 * ({@link RandomCheckpoint}), for benchmarks at real sizes. Public configs are in bench/models/.
 */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a Hugging Face model folder (config.json, generation_config.json, safetensors shards of at most "
                + "5 GB with their index) with the real shapes of CONFIG and seeded random weights, streaming.")
final class MakeRandomModelCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "CONFIG.json", description = "a Hugging Face config.json")
    Path config;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write (new or empty)")
    Path out;

    @Option(names = "--layers", paramLabel = "N", description = "keep only the first N layers (default: all)")
    int layers;

    @Option(names = "--dtype", paramLabel = "TYPE", description = "f32, f16 or bf16 (default: ${DEFAULT-VALUE})")
    String dtype = "bf16";

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "f16", "float16" -> DType.F16;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype is " + dtype + ", must be one of f32, f16, bf16");
        };
        if (layers < 0 || spec.commandLine().getParseResult().hasMatchedOption("--layers") && layers == 0) {
            throw new IllegalArgumentException("--layers is " + layers + ", must be >= 1");
        }
        var err = spec.commandLine().getErr();
        long start = System.nanoTime();
        RandomCheckpoint.Result r = RandomCheckpoint.write(
                new RandomCheckpoint.Settings(config, out, layers, type, seed, RandomCheckpoint.MAX_SHARD_BYTES),
                line -> {
                    err.println("make-random-model: " + line);
                    err.flush();
                });
        spec.commandLine().getOut().printf(Locale.ROOT, "%s: %d layers, %,d parameters, %.2f GiB in %d shard(s), %.0f s%n",
                out, r.layers(), r.parameters(), r.bytes() / (double) (1L << 30), r.shards(), (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
