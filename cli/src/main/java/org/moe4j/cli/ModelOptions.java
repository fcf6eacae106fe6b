package org.moe4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.HierarchicalMoeSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
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

    @Option(names = "--ffn", description = "Feed-forward block: moe, hierarchical, dense or fff (default ${DEFAULT-VALUE}).")
    String ffn = "moe";

    @Option(names = "--hidden", description = "Hidden width of the dense block, or of each expert (default: ${DEFAULT-VALUE}).")
    int hidden = 384;

    @Option(names = "--experts", description = "Experts per MoE layer (default ${DEFAULT-VALUE}).")
    int experts = 8;

    @Option(names = "--top-k", description = "Experts per token (default ${DEFAULT-VALUE}).")
    int topK = 2;

    @Option(names = "--router", description = "softmax, switch, noisy or sigmoid (default ${DEFAULT-VALUE}).")
    String router = "softmax";

    @Option(names = "--router-bias", description = "Give the softmax or switch router a learned bias (Switch Transformers' router_bias=True).")
    boolean routerBias;

    @Option(names = "--capacity-factor", description = "Expert capacity factor, 0 for dropless (default ${DEFAULT-VALUE}).")
    double capacityFactor = 0;

    @Option(names = "--aux-loss", description = "Load-balancing loss coefficient; for --ffn hierarchical the weight of its importance and load losses (default ${DEFAULT-VALUE}).")
    double loadBalancing = 0.01;

    @Option(names = "--z-loss", description = "Router z-loss coefficient (default ${DEFAULT-VALUE}).")
    double zLoss = 0.001;

    @Option(names = "--groups", description = "Hierarchical MoE: groups of experts (default ${DEFAULT-VALUE}).")
    int groups = 4;

    @Option(names = "--group-size", description = "Hierarchical MoE: experts per group (default ${DEFAULT-VALUE}).")
    int groupSize = 2;

    @Option(names = "--group-top-k", description = "Hierarchical MoE: groups per token (default ${DEFAULT-VALUE}).")
    int groupTopK = 2;

    @Option(names = "--expert-top-k", description = "Hierarchical MoE: experts per chosen group (default ${DEFAULT-VALUE}).")
    int expertTopK = 1;

    @Option(names = "--fff-depth", description = "Depth of a fast feedforward tree (default ${DEFAULT-VALUE}).")
    int fffDepth = 3;

    @Option(names = "--fff-leaf", description = "Leaf width of a fast feedforward tree (default ${DEFAULT-VALUE}).")
    int fffLeaf = 128;

    @Option(names = "--fff-hardening", description = "Hardening loss weight of a fast feedforward tree (default ${DEFAULT-VALUE}).")
    double fffHardening = 0.01;

    @Option(names = "--shared-hidden", description = "Hidden width of a shared expert, 0 for none (default ${DEFAULT-VALUE}).")
    int sharedHidden = 0;

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
            case "moe" -> new MoeSpec(experts, topK, hidden, RouterKind.parse(router), capacityFactor, loadBalancing, zLoss, sharedHidden,
                    routerBias);
            case "fff" -> new FffSpec(fffDepth, fffLeaf, fffHardening);
            case "hierarchical" -> new HierarchicalMoeSpec(groups, groupSize, groupTopK, expertTopK, hidden, loadBalancing);
            default -> throw new IllegalArgumentException("--ffn is \"" + ffn + "\": allowed moe, hierarchical, dense, fff");
        };
    }
}
