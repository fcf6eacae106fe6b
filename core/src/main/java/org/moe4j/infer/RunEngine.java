package org.moe4j.infer;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
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
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.RunFolder;

/**
 * A run folder of {@code moe4j train} opened in the inference engine: its checkpoint (Mixtral's tensor
 * names, float32, memory-mapped as it is) and run.json mapped onto a {@link ModelConfig}. Dense
 * layers and token-choice MoE layers (softmax, switch, noisy) run here; FFF, hierarchical and
 * sigmoid-router layers are refused with the layer and kind named. Capacity factors do not apply:
 * the engine runs every MoE layer dropless, as inference servers do.
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
     * copied out of their stacked tensors): for tests and for serving a model just built.
     */
    public static DecoderModel fromModel(TransformerLM lm) throws IOException {
        ModelConfig config = config(lm.config());
        return new DecoderModel(config, ModelWeights.load(new TensorMap("model", lm.checkpointState()), config, names(lm.config())));
    }

    /** The engine's description of a moe4j language model; fails naming a layer the engine does not run. */
    public static ModelConfig config(TransformerConfig c) {
        int headDim = c.dModel() / c.heads();
        Rope rope = new Rope(defaultFrequencies(c.ropeTheta(), headDim), 1f, false);
        AttentionSpec attention = new AttentionSpec(AttentionKind.GROUPED, c.heads(), c.kvHeads(), headDim, headDim, false, false,
                QkNorm.NONE, 0, false, (float) (1.0 / Math.sqrt(headDim)), rope, 0, 0, 0);
        List<ModelConfig.LayerSpec> layers = new ArrayList<>();
        for (int l = 0; l < c.feedForward().size(); l++) {
            layers.add(new ModelConfig.LayerSpec(0, feedForward(c.feedForward().get(l), l)));
        }
        return new ModelConfig("moe4j", c.vocabSize(), c.dModel(), c.normEps(), attention, layers, c.tieEmbeddings(),
                ModelConfig.Scaling.NONE, c.contextLength());
    }

    private static ModelConfig.FeedForwardSpec feedForward(FeedForwardSpec spec, int layer) {
        if (spec instanceof FeedForwardSpec.Dense d) return new ModelConfig.Dense(d.hidden());
        if (spec instanceof MoeSpec m) {
            Routing routing = switch (m.router()) {
                case "softmax" -> Routing.softmaxTopK(true);
                case "switch" -> Routing.softmaxTopK(false);
                case "noisy" -> Routing.topKSoftmax(false);
                default -> throw new EngineConfigException("layer " + layer + ": the " + m.router()
                        + " router does not run in the inference engine (it runs softmax, switch and noisy routers)");
            };
            return new ModelConfig.Moe(m.experts(), m.topK(), routing, m.hidden(), ExpertActivation.SWIGLU, false, m.sharedHidden(), false);
        }
        throw new EngineConfigException("layer " + layer + ": a " + spec.toJson().get("kind")
                + " block does not run in the inference engine (it runs dense and token-choice MoE layers)");
    }

    static WeightNames names(TransformerConfig c) {
        String switchRouter = c.feedForward().stream().anyMatch(s -> s instanceof MoeSpec m && m.router().equals("switch"))
                ? "model.layers.{L}.block_sparse_moe.gate.classifier.weight" : "model.layers.{L}.block_sparse_moe.gate.weight";
        return new WeightNames()
                .with(Weight.ROUTER, switchRouter)
                .with(Weight.EXPERT_GATE, "model.layers.{L}.block_sparse_moe.experts.{E}.w1.weight")
                .with(Weight.EXPERT_UP, "model.layers.{L}.block_sparse_moe.experts.{E}.w3.weight")
                .with(Weight.EXPERT_DOWN, "model.layers.{L}.block_sparse_moe.experts.{E}.w2.weight")
                .with(Weight.SHARED_GATE, "model.layers.{L}.block_sparse_moe.shared_experts.gate_proj.weight")
                .with(Weight.SHARED_UP, "model.layers.{L}.block_sparse_moe.shared_experts.up_proj.weight")
                .with(Weight.SHARED_DOWN, "model.layers.{L}.block_sparse_moe.shared_experts.down_proj.weight");
    }

    /** theta^(-2i/d) for i < d/2, as the training model's rotary embedding computes them. */
    private static float[] defaultFrequencies(double theta, int headDim) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
        return f;
    }
}
