package org.moe4j.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.moe4j.text.hf.HfTokenizer;

/**
 * {@code moe4j bench tokenizer}: encoding speed of a Hugging Face tokenizer.json on one text, on the
 * calling thread only. The first call is timed on its own (an empty word cache: what tokenising a
 * new corpus once costs); then, after warm-up calls, the median of the timed calls (caches and JIT
 * warm: a server's steady state). bench/scripts/hf_tokenizers_encode.py times the Python
 * {@code tokenizers} library the same way, so the two can be run side by side
 * (bench/scripts/compare-tokenizer.sh).
 */
public final class HfTokenizerBench {
    private HfTokenizerBench() {}

    /** Times in seconds, the text's size and the number of ids. */
    public record Result(double firstCallSeconds, double medianSeconds, double minSeconds, long bytes, int tokens) {
        public double megabytesPerSecond() {
            return bytes / medianSeconds / 1e6;
        }
    }

    /** {@code warmups} untimed calls after the first, then {@code runs} timed ones. */
    public static Result measure(HfTokenizer tokenizer, String text, int warmups, int runs) {
        if (warmups < 0 || runs < 1) {
            throw new IllegalArgumentException("bench tokenizer: warm-up calls " + warmups + " (must be >= 0) and runs " + runs
                    + " (must be >= 1)");
        }
        long start = System.nanoTime();
        int tokens = tokenizer.encode(text).length;
        double first = (System.nanoTime() - start) / 1e9;
        for (int i = 0; i < warmups; i++) {
            tokenizer.encode(text);
        }
        double[] seconds = new double[runs];
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            int n = tokenizer.encode(text).length;
            seconds[r] = (System.nanoTime() - t0) / 1e9;
            if (n != tokens) {
                throw new IllegalStateException("bench tokenizer: encoding gave " + n + " ids, the first call " + tokens);
            }
        }
        Arrays.sort(seconds);
        double median = runs % 2 == 1 ? seconds[runs / 2] : (seconds[runs / 2 - 1] + seconds[runs / 2]) / 2;
        return new Result(first, median, seconds[0], text.getBytes(StandardCharsets.UTF_8).length, tokens);
    }
}
