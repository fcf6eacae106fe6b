package org.moe4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.TransformerConfig;
import picocli.CommandLine.Option;

/** Options that shape a new language model; the defaults are the default `moe4j train` model. */
final class ModelOptions {
    @Option(names = "--layers", description = "Decoder layers (default ${DEFAULT-VALUE}).")
    int layers = 4;

    @Option(names = "--d-model", description = "Model width (default ${DEFAULT-VALUE}).")
    int dModel = 256;

    @Option(names = "--heads", description = "Attention heads (default ${DEFAULT-VALUE}).")
    int heads = 4;

    @Option(names = "--kv-heads", description = "Key/value heads, dividing --heads (default ${DEFAULT-VALUE}).")
    int kvHeads = 4;

    @Option(names = "--context", description = "Context length in tokens (default ${DEFAULT-VALUE}).")
    int context = 128;

    @Option(names = "--ffn", description = "Feed-forward block: dense (default ${DEFAULT-VALUE}).")
    String ffn = "dense";

    @Option(names = "--hidden", description = "Hidden width of the dense feed-forward block (default ${DEFAULT-VALUE}).")
    int hidden = 704;

    @Option(names = "--rope-theta", description = "Rotary embedding base (default ${DEFAULT-VALUE}).")
    double ropeTheta = 10000;

    TransformerConfig config(int vocabSize, long seed) {
        if (layers < 1) throw new IllegalArgumentException("--layers is " + layers + ", must be >= 1");
        List<FeedForwardSpec> specs = new ArrayList<>();
        for (int i = 0; i < layers; i++) specs.add(spec());
        return new TransformerConfig(vocabSize, dModel, heads, kvHeads, context, ropeTheta, 1e-5f, specs, false, seed);
    }

    private FeedForwardSpec spec() {
        return switch (ffn) {
            case "dense" -> new FeedForwardSpec.Dense(hidden);
            default -> throw new IllegalArgumentException("--ffn is \"" + ffn + "\": allowed dense");
        };
    }
}
