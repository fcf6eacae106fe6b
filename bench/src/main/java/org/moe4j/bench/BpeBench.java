package org.moe4j.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.moe4j.text.BpeTrainer;
import org.moe4j.text.BytePairEncoding;

/**
 * {@code moe4j bench bpe}: byte-level BPE on a text: seconds to learn the merges from the training
 * text, the compression they reach on the measured text (UTF-8 bytes and code points per token),
 * and the speed of encoding the measured text with an empty piece cache (what tokenising a corpus
 * once costs). The two texts are the same, or a held-out tail of it.
 */
public final class BpeBench {
    private BpeBench() {}

    /** Median training seconds, bytes and characters per token, and encoding throughput in MB/s (10^6 bytes). */
    public record Result(int merges, double trainSeconds, double bytesPerToken, double charsPerToken,
            double encodeMegabytesPerSecond) {}

    /** Merges learned from {@code trainText}, compression and encoding speed measured on {@code measuredText}. */
    public static Result measure(String trainText, String measuredText, int merges, int runs) {
        if (merges < 0 || runs < 1) {
            throw new IllegalArgumentException("bench bpe: merges " + merges + " (must be >= 0) and runs " + runs
                    + " (must be >= 1)");
        }
        BytePairEncoding[] trained = new BytePairEncoding[1];
        double trainSeconds = Timing.medianSeconds(() -> trained[0] = BpeTrainer.train(trainText, merges, List.of()), 1, runs, 0);
        int[][] table = new int[trained[0].numMerges()][];
        for (int i = 0; i < table.length; i++) {
            table[i] = trained[0].merge(i);
        }
        long bytes = measuredText.getBytes(StandardCharsets.UTF_8).length;
        int[] tokens = new int[1];
        // a new encoder per call, so every call starts with an empty cache
        double encodeSeconds = Timing.medianSeconds(() -> tokens[0] = new BytePairEncoding(table, List.of()).encode(measuredText).length,
                1, runs, 0);
        long chars = measuredText.codePointCount(0, measuredText.length());
        return new Result(trained[0].numMerges(), trainSeconds, (double) bytes / tokens[0], (double) chars / tokens[0],
                bytes / encodeSeconds / 1e6);
    }
}
