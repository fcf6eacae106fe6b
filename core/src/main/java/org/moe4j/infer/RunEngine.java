package org.moe4j.infer;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.ModelWeights;
import org.moe4j.engine.Rope;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;
import org.moe4j.engine.WeightNames.Weight;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.TensorMap;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.HierarchicalMoeSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.moe.MoeLayer;
import org.moe4j.moe.router.SigmoidBiasRouter;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.run.RunFolder;
import org.moe4j.tensor.Tensor;

/**
 * A run folder of {@code moe4j train} opened in the inference engine: its checkpoint (Mixtral's tensor
 * names, float32, memory-mapped as it is) and run.json mapped onto a {@link ModelConfig}. Every
 * feed-forward block of the training model runs here: dense, token-choice MoE (softmax, switch,
 * noisy, sigmoid routers; shared experts), hierarchical MoE and fast feedforward trees (hard, as
 * the training model evaluates them). Capacity factors do not apply: the engine runs every MoE
 * layer dropless, as inference servers do.
 */
public final class RunEngine {
    private RunEngine() {}

    /** The engine's view of a run: its config, the mapped checkpoint and the model. */
    public record Opened(ModelConfig config, DecoderModel model, SafeTensorsFile checkpoint, ModelWeights weights) implements AutoCloseable {
        @Override
        public void close() {
            weights.close();
            checkpoint.close();
        }
    }

    public static Opened open(RunFolder run) throws IOException {
        RunFolder.Description d = run.readDescription();
        if (!Files.isDirectory(run.checkpoint())) {
            throw new IllegalArgumentException(run.checkpoint().getParent() + " has no checkpoint yet (train it first, or resume it with moe4j train --resume)");
        }
        ModelConfig config = config(d.model());
        SafeTensorsFile file = SafeTensorsFile.open(run.checkpoint().resolve("model.safetensors"));
        try {
            ModelWeights weights = ModelWeights.load(file, config, names(d.model()));
            return new Opened(config, new DecoderModel(config, weights), file, weights);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * The engine over a model of this process, with a snapshot of its current weights (the experts are
     * copied out of their stacked tensors): for the training sample, serving a model just built, and
     * tests. A sigmoid router's selection bias, which moves while training but is not part of a
     * checkpoint, is taken as it is now.
     */
    public static DecoderModel fromModel(TransformerLM lm) throws IOException {
        TransformerConfig c = lm.config();
        Map<String, Tensor> state = new LinkedHashMap<>(lm.checkpointState());
        WeightNames names = names(c);
        List<FeedForwardBlock> blocks = lm.feedForwardBlocks();
        for (int l = 0; l < blocks.size(); l++) {
            if (blocks.get(l) instanceof MoeLayer m && m.router() instanceof SigmoidBiasRouter r) {
                float[] bias = r.selectionBias();
                state.put(names.name(Weight.SELECTION_BIAS, l), Tensor.of(bias, bias.length));
            }
        }
        ModelConfig config = config(c, true);
        return new DecoderModel(config, ModelWeights.load(new TensorMap("model", state), config, names));
    }

    /**
     * The engine's description of a moe4j language model, as its checkpoint holds it: a sigmoid
     * router's selection bias is not saved, so the engine, like the training model loaded from the
     * checkpoint, routes without it.
     */
    public static ModelConfig config(TransformerConfig c) {
        return config(c, false);
    }

    private static ModelConfig config(TransformerConfig c, boolean selectionBias) {
        int headDim = c.dModel() / c.heads();
        Rope rope = new Rope(defaultFrequencies(c.ropeTheta(), headDim), 1f, false);
        AttentionSpec attention = new AttentionSpec(AttentionKind.GROUPED, c.heads(), c.kvHeads(), headDim, headDim, false, false,
                QkNorm.NONE, 0, false, (float) (1.0 / Math.sqrt(headDim)), rope, 0, 0, 0);
        List<ModelConfig.LayerSpec> layers = new ArrayList<>();
        for (int l = 0; l < c.feedForward().size(); l++) {
            layers.add(new ModelConfig.LayerSpec(0, feedForward(c.feedForward().get(l), selectionBias)));
        }
        return new ModelConfig("moe4j", c.vocabSize(), c.dModel(), c.normEps(), attention, layers, c.tieEmbeddings(),
                ModelConfig.Scaling.NONE, c.contextLength());
    }

    private static ModelConfig.FeedForwardSpec feedForward(FeedForwardSpec spec, boolean selectionBias) {
        return switch (spec) {
            case FeedForwardSpec.Dense d -> new ModelConfig.Dense(d.hidden());
            case MoeSpec m -> new ModelConfig.Moe(m.experts(), m.topK(), withRouterBias(routing(m.router(), selectionBias),
                    m.routerBias()), m.hidden(), ExpertActivation.SWIGLU, false, m.sharedHidden(), false);
            // both levels are softmax top-k renormalised (HierarchicalRouter.softmax), experts SwiGLU, dropless
            case HierarchicalMoeSpec h -> new ModelConfig.HierarchicalMoe(h.groups(), h.groupSize(), h.groupTopK(), h.expertTopK(),
                    Routing.softmaxTopK(true), h.hidden());
            // FffSpec's tree: exact GELU leaves with both biases, evaluated hard
            case FffSpec f -> new ModelConfig.FastFeedForward(f.depth(), f.leafWidth());
        };
    }

    /** Switch Transformers' router_bias: the router's logits get a learned bias [E] (MoeSpec.routerBias). */
    private static Routing withRouterBias(Routing r, boolean bias) {
        return bias ? new Routing(r.rule(), r.renormalize(), r.scalingFactor(), r.groups(), r.topGroups(), true, r.selectionBias()) : r;
    }

    /** The engine's rule for each RouterKind, as the training model's router evaluates (no noise). */
    private static Routing routing(RouterKind router, boolean selectionBias) {
        return switch (router) {
            case SOFTMAX -> Routing.softmaxTopK(true);
            case SWITCH -> Routing.softmaxTopK(false);
            case NOISY -> Routing.topKSoftmax(false);
            // SigmoidBiasRouter: top-k of sigmoid(logits) + b, weights the sigmoids renormalised (one group: no group limit)
            case SIGMOID -> new Routing(Routing.Rule.SIGMOID_GROUP_LIMITED, true, 1f, 1, 1, false, selectionBias);
        };
    }

    static WeightNames names(TransformerConfig c) {
        String router = c.feedForward().stream().anyMatch(s -> s instanceof MoeSpec m && m.router() == RouterKind.SWITCH)
                ? "model.layers.{L}.block_sparse_moe.gate.classifier" : "model.layers.{L}.block_sparse_moe.gate";
        return new WeightNames()
                .with(Weight.ROUTER, router + ".weight")
                .with(Weight.ROUTER_BIAS, router + ".bias")
                .with(Weight.EXPERT_GATE, "model.layers.{L}.block_sparse_moe.experts.{E}.w1.weight")
                .with(Weight.EXPERT_UP, "model.layers.{L}.block_sparse_moe.experts.{E}.w3.weight")
                .with(Weight.EXPERT_DOWN, "model.layers.{L}.block_sparse_moe.experts.{E}.w2.weight")
                .with(Weight.SHARED_GATE, "model.layers.{L}.block_sparse_moe.shared_experts.gate_proj.weight")
                .with(Weight.SHARED_UP, "model.layers.{L}.block_sparse_moe.shared_experts.up_proj.weight")
                .with(Weight.SHARED_DOWN, "model.layers.{L}.block_sparse_moe.shared_experts.down_proj.weight")
                .with(Weight.SELECTION_BIAS, "model.layers.{L}.block_sparse_moe.gate.e_score_correction_bias")
                .with(Weight.GROUP_ROUTER, "model.layers.{L}.block_sparse_moe.gate.primary.weight")
                .with(Weight.GROUP_EXPERT_ROUTER, "model.layers.{L}.block_sparse_moe.gate.secondary.{E}.weight")
                .with(Weight.STACKED_EXPERT_GATE, "model.layers.{L}.block_sparse_moe.experts.w1.weight")
                .with(Weight.STACKED_EXPERT_UP, "model.layers.{L}.block_sparse_moe.experts.w3.weight")
                .with(Weight.STACKED_EXPERT_DOWN, "model.layers.{L}.block_sparse_moe.experts.w2.weight")
                .with(Weight.TREE_NODE, "model.layers.{L}.fff.node.weight")
                .with(Weight.TREE_NODE_BIAS, "model.layers.{L}.fff.node.bias")
                .with(Weight.TREE_LEAF_IN, "model.layers.{L}.fff.leaves.w1.weight")
                .with(Weight.TREE_LEAF_IN_BIAS, "model.layers.{L}.fff.leaves.w1.bias")
                .with(Weight.TREE_LEAF_OUT, "model.layers.{L}.fff.leaves.w2.weight")
                .with(Weight.TREE_LEAF_OUT_BIAS, "model.layers.{L}.fff.leaves.w2.bias");
    }

    /** theta^(-2i/d) for i < d/2, as the training model's rotary embedding computes them. */
    private static float[] defaultFrequencies(double theta, int headDim) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        return f;
    }
}
