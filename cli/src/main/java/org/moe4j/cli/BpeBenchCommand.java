package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.bench.BpeBench;
import org.moe4j.data.CorpusSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code moe4j bench bpe}: BPE training time, compression and encoding speed on a corpus (Moby-Dick by default). */
@Command(name = "bpe", mixinStandardHelpOptions = true,
        description = "Learn byte-level BPE merges and encode the corpus with them; prints "
                + "'bpe MERGES train_seconds bytes_per_token chars_per_token encode_MB/s' per merge count.")
final class BpeBenchCommand implements Callable<Integer> {
    @Option(names = "--merges", split = ",", paramLabel = "N[,N...]",
            description = "Merge counts to learn (default: 1024,4096).")
    int[] merges = {1024, 4096};

    @Option(names = "--corpus", paramLabel = "PATH", description = "Text file or folder of .txt files (default: bundled Moby-Dick).")
    Path corpus;

    @Option(names = "--runs", paramLabel = "R", description = "Timed runs after one warm-up; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--held-out", paramLabel = "F",
            description = "Learn from the first 1-F of the text and measure on the last F (default: 0, measure on the training text).")
    double heldOut = 0;

    @Override
    public Integer call() throws IOException {
        CorpusSource source = corpus == null ? CorpusSource.mobyDick() : CorpusSource.of(corpus);
        if (!(heldOut >= 0 && heldOut < 1)) {
            throw new IllegalArgumentException("--held-out is " + heldOut + ", must be in [0, 1)");
        }
        String text = source.sample(Long.MAX_VALUE);
        int cut = text.offsetByCodePoints(0, (int) Math.round((1 - heldOut) * text.codePointCount(0, text.length())));
        String train = heldOut == 0 ? text : text.substring(0, cut);
        String measured = heldOut == 0 ? text : text.substring(cut);
        for (int m : merges) {
            BpeBench.Result r = BpeBench.measure(train, measured, m, runs);
            System.out.println(String.format(Locale.ROOT, "bpe %d %.2f %.3f %.3f %.1f", r.merges(), r.trainSeconds(),
                    r.bytesPerToken(), r.charsPerToken(), r.encodeMegabytesPerSecond()));
        }
        return 0;
    }
}
