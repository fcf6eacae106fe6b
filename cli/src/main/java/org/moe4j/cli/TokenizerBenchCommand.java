package org.moe4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.HfTokenizerBench;
import org.moe4j.data.CorpusSource;
import org.moe4j.text.hf.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moe4j bench tokenizer PATH}: how fast a Hugging Face tokenizer.json encodes a text (Moby-Dick by default), one thread. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Encode a text with a tokenizer.json on one thread; prints "
                + "'tokenizer load_s first_call_s median_s min_s MB/s tokens bytes'.")
final class TokenizerBenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "a model folder or a tokenizer.json")
    Path path;

    @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text to encode (default: the bundled Moby-Dick).")
    Path text;

    @Option(names = "--warmup", paramLabel = "W", description = "Untimed calls after the first (default: ${DEFAULT-VALUE}).")
    int warmups = 3;

    @Option(names = "--runs", paramLabel = "R", description = "Timed calls; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs = 5;

    @Override
    public Integer call() throws IOException {
        String input = text == null ? CorpusSource.mobyDick().sample(Long.MAX_VALUE) : Files.readString(text, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        HfTokenizer tokenizer = HfTokenizer.load(path);
        double load = (System.nanoTime() - start) / 1e9;
        HfTokenizerBench.Result r = HfTokenizerBench.measure(tokenizer, input, warmups, runs);
        System.out.println(String.format(Locale.ROOT, "tokenizer %.3f %.4f %.4f %.4f %.2f %d %d", load, r.firstCallSeconds(),
                r.medianSeconds(), r.minSeconds(), r.megabytesPerSecond(), r.tokens(), r.bytes()));
        return 0;
    }
}
