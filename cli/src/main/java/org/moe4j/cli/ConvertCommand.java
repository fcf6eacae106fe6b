package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufToSafetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j convert FILE.gguf --to safetensors --out F.safetensors}: every tensor of a GGUF file
 * decoded to float32 under its GGUF name, its ggml dimensions reversed into a row-major shape
 * ({@link GgufToSafetensors}).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Write every tensor of a GGUF file, decoded to float32, as a safetensors file (GGUF names, row-major shapes).")
final class ConvertCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE.gguf", description = "a GGUF file")
    Path file;

    @Option(names = "--to", paramLabel = "FORMAT", description = "the format to write: safetensors (default: ${DEFAULT-VALUE})")
    String to = "safetensors";

    @Option(names = "--out", required = true, paramLabel = "F.safetensors", description = "the file to write")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!to.equals("safetensors")) throw new IllegalArgumentException("--to is " + to + ", must be safetensors");
        if (!Files.exists(file)) throw new IllegalArgumentException(file + ": no such file");
        long start = System.nanoTime();
        int n;
        try (GgufFile g = GgufFile.open(file)) {
            n = GgufToSafetensors.convert(g, out);
        }
        System.out.printf(Locale.ROOT, "%s: %d tensors as float32, %,d bytes in %.1f s%n", out, n, Files.size(out),
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
