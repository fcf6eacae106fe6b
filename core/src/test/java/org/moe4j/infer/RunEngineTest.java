package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.ModelWeights;
import org.moe4j.engine.Sequence;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.tensor.Tensor;

/** The engine runs moe4j's own models: its logits equal the training model's forward on the same checkpoint. */
class RunEngineTest {
    @TempDir
    Path tmp;

    private static TransformerConfig config(List<FeedForwardSpec> ff) {
        return new TransformerConfig(61, 32, 4, 2, 24, 10000.0, 1e-5f, ff, false, 7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"softmax", "switch", "noisy", "dense", "shared"})
    void engineLogitsEqualTheTrainingModel(String kind) throws Exception {
        FeedForwardSpec moe = switch (kind) {
            case "softmax" -> MoeSpec.mixtral(4, 2, 48);
            case "switch" -> new MoeSpec(4, 1, 48, "switch", 0, 0.01, 0, 0);
            case "noisy" -> new MoeSpec(4, 2, 48, "noisy", 0, 0.01, 0, 0);
            case "shared" -> new MoeSpec(4, 2, 48, "softmax", 0, 0.01, 0, 40);
            default -> new FeedForwardSpec.Dense(64);
        };
        TransformerConfig c = config(List.of(moe, new FeedForwardSpec.Dense(40), moe));
        TransformerLM lm = new TransformerLM(c);
        lm.train(false);
        if (kind.equals("noisy")) {
            // the noisy router starts at zero weights; give it some so the choice is not a tie
            lm.stateDict().entrySet().stream().filter(e -> e.getKey().endsWith("gate.weight")).forEach(e -> {
                float[] w = e.getValue().data();
                for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i * 0.37) * 0.3f;
            });
        }
        Path file = tmp.resolve("model.safetensors");
        SafeTensorsWriter w = new SafeTensorsWriter();
        lm.checkpointState().forEach(w::add);
        w.write(file);

        int[] ids = {3, 17, 42, 5, 60, 1, 9, 33, 33, 2, 58, 11};
        Tensor reference = lm.logits(ids, ids.length, new AuxiliaryLosses()).value();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            var config = RunEngine.config(c);
            ModelWeights weights = ModelWeights.load(f, config, RunEngine.names(c));
            DecoderModel model = new DecoderModel(config, weights);
            Sequence s = model.newSequence(24);
            float[] got = model.forward(List.of(s), List.of(ids), true, ForwardObserver.NONE);
            float[] want = reference.toArray();
            double max = 0;
            for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
            assertTrue(max < 2e-5, kind + ": max |engine - training model| = " + max);
        }
    }

    @Test
    void fffLayersAreRefusedByName() {
        TransformerConfig c = config(List.of(MoeSpec.mixtral(4, 2, 48), new FffSpec(2, 4, 0.0)));
        EngineConfigException e = assertThrows(EngineConfigException.class, () -> RunEngine.config(c));
        assertTrue(e.getMessage().contains("layer 1") && e.getMessage().contains("fff"), e.getMessage());
    }
}
