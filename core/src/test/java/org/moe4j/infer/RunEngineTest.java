package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.ModelConfig;
import org.moe4j.fff.FastFeedForward;
import org.moe4j.engine.ModelWeights;
import org.moe4j.engine.Sequence;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.FffSpec;
import org.moe4j.model.HierarchicalMoeSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.moe.MoeLayer;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.tensor.Tensor;

/** The engine runs moe4j's own models: its logits equal the training model's forward on the same checkpoint. */
class RunEngineTest {
    @TempDir
    Path tmp;

    private static TransformerConfig config(List<FeedForwardSpec> ff) {
        return new TransformerConfig(61, 32, 4, 2, 24, 10000.0, 1e-5f, ff, false, 7);
    }

    /**
     * The engine's logits equal the training model's eval-mode forward (FFF hard, routers without noise)
     * within 2e-5: the two compute the same sums in different orders (the engine's weight product
     * against the training GEMMs, experts added in another order), float32 rounding of logits of size
     * ~1 (the largest difference measured was 9e-7, for every kind). Routing decisions must agree exactly: each layer's tokens per expert (per leaf for FFF) are
     * compared, and a flipped decision would move the logits far beyond the tolerance.
     */
    @ParameterizedTest
    @ValueSource(strings = {"softmax", "switch", "switch-bias", "softmax-bias", "noisy", "sigmoid", "dense", "shared", "fff", "hierarchical"})
    void engineLogitsEqualTheTrainingModel(String kind) throws Exception {
        FeedForwardSpec moe = switch (kind) {
            case "softmax" -> MoeSpec.mixtral(4, 2, 48);
            case "switch" -> new MoeSpec(4, 1, 48, RouterKind.SWITCH, 0, 0.01, 0, 0);
            case "switch-bias" -> new MoeSpec(4, 1, 48, RouterKind.SWITCH, 0, 0.01, 0, 0, true);
            case "softmax-bias" -> new MoeSpec(4, 2, 48, RouterKind.SOFTMAX, 0, 0.01, 0, 0, true);
            case "noisy" -> new MoeSpec(4, 2, 48, RouterKind.NOISY, 0, 0.01, 0, 0);
            case "sigmoid" -> new MoeSpec(5, 2, 48, RouterKind.SIGMOID, 0, 0, 0, 0);
            case "shared" -> new MoeSpec(4, 2, 48, RouterKind.SOFTMAX, 0, 0.01, 0, 40);
            case "fff" -> new FffSpec(3, 24, 0.01);
            case "hierarchical" -> new HierarchicalMoeSpec(3, 4, 2, 2, 40, 0.01);
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

        int[] ids = {3, 17, 42, 5, 60, 1, 9, 33, 33, 2, 58, 11, 0, 23, 47, 8, 19, 52, 36, 14};
        Tensor reference = lm.logits(ids, ids.length, new AuxiliaryLosses()).value();
        var config = RunEngine.config(c);
        List<int[]> trainingLoads = loads(lm, config, ids.length);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            ModelWeights weights = ModelWeights.load(f, config, RunEngine.names(c));
            DecoderModel model = new DecoderModel(config, weights);
            Sequence s = model.newSequence(24);
            List<int[]> engineLoads = new ArrayList<>();
            for (int l = 0; l < config.numLayers(); l++) engineLoads.add(new int[Math.max(1, config.layers().get(l).feedForward().routedExperts())]);
            float[] got = model.forward(List.of(s), List.of(ids), true, new ForwardObserver() {
                @Override
                public void routing(int layer, int[] experts, float[] w, int T, int k) {
                    for (int i = 0; i < T * k; i++) engineLoads.get(layer)[experts[i]]++;
                }
            });
            float[] want = reference.toArray();
            double max = 0;
            for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
            assertTrue(max < 2e-5, kind + ": max |engine - training model| = " + max);
            for (int l = 0; l < config.numLayers(); l++) {
                if (trainingLoads.get(l) == null) continue;
                assertArrayEquals(trainingLoads.get(l), engineLoads.get(l), kind + ": tokens per expert (leaf) of layer " + l);
                assertTrue(Arrays.stream(engineLoads.get(l)).filter(n -> n > 0).count() > 1, kind + ": layer " + l + " uses one expert only");
            }
        }
    }

    /** Tokens per expert (per leaf for FFF) of each layer in the training model's last forward; null for a dense layer. */
    private static List<int[]> loads(TransformerLM lm, ModelConfig config, int tokens) {
        List<int[]> out = new ArrayList<>();
        for (int l = 0; l < config.numLayers(); l++) {
            FeedForwardBlock b = lm.feedForwardBlocks().get(l);
            if (b instanceof FastFeedForward fff) {
                int[] n = new int[fff.config().leaves()];
                for (int j = 0; j < n.length; j++) n[j] = (int) fff.usage().hardLeafCount(j);
                assertEquals(tokens, Arrays.stream(n).sum());
                out.add(n);
            } else if (b.lastAssignments() != null) {
                int[] experts = b.lastAssignments()[1];
                int[] n = new int[config.layers().get(l).feedForward().routedExperts()];
                for (int e : experts) n[e]++;
                out.add(n);
            } else {
                out.add(null);
            }
        }
        return out;
    }

    /**
     * Two sequences in one batch, one prefilling 5 tokens and the other 2, then both decoding one token
     * a step: every step's last-token logits equal the training model's full forward over the
     * sequence so far, for dense, MoE, FFF and hierarchical layers; a token beyond the sequence's
     * capacity is refused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dense", "softmax", "fff", "hierarchical"})
    void prefillThenBatchedDecodingEqualsTheFullForward(String kind) throws Exception {
        FeedForwardSpec ff = switch (kind) {
            case "softmax" -> MoeSpec.mixtral(4, 2, 12);
            case "fff" -> new FffSpec(2, 6, 0.1);
            case "hierarchical" -> new HierarchicalMoeSpec(3, 2, 2, 1, 8, 0.01);
            default -> new FeedForwardSpec.Dense(24);
        };
        TransformerLM lm = new TransformerLM(new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f,
                List.of(ff, new FeedForwardSpec.Dense(24)), false, 6));
        lm.train(false);
        int[] a = {3, 1, 4, 1, 5, 9, 2, 6};
        int[] b = {2, 7, 1, 8, 2};
        float[] fullA = lm.logits(a, a.length, new AuxiliaryLosses()).value().toArray();
        float[] fullB = lm.logits(b, b.length, new AuxiliaryLosses()).value().toArray();
        DecoderModel model = RunEngine.fromModel(lm);
        int V = 11;
        Sequence sa = model.newSequence(8);
        Sequence sb = model.newSequence(8);
        float[] out = model.forward(List.of(sa, sb), List.of(Arrays.copyOf(a, 5), Arrays.copyOf(b, 2)), false, ForwardObserver.NONE);
        assertRowClose(fullA, 4, out, 0, V, kind + ": prefill a");
        assertRowClose(fullB, 1, out, 1, V, kind + ": prefill b");
        for (int step = 0; step < 3; step++) {
            out = model.forward(List.of(sa, sb), List.of(new int[] {a[5 + step]}, new int[] {b[2 + step]}), false, ForwardObserver.NONE);
            assertRowClose(fullA, 5 + step, out, 0, V, kind + ": decode a " + step);
            assertRowClose(fullB, 2 + step, out, 1, V, kind + ": decode b " + step);
        }
        assertEquals(8, sa.length());
        var e = assertThrows(IllegalArgumentException.class, () -> model.forward(List.of(sa), List.of(new int[] {1}), false, ForwardObserver.NONE));
        assertEquals("forward: sequence 0 holds 8 positions and brings 1, more than its capacity 8", e.getMessage());
    }

    /**
     * A sigmoid router's selection bias moves while training and is not in the checkpoint: the engine
     * made from the model in memory (the training sample) routes with the bias as it is, and equals the
     * training model; the bias changes the choices enough that ignoring it would not.
     */
    @org.junit.jupiter.api.Test
    void theEngineOfAModelInMemoryRoutesWithTheCurrentSelectionBias() throws Exception {
        TransformerLM lm = new TransformerLM(config(List.of(new MoeSpec(5, 2, 48, RouterKind.SIGMOID, 0, 0, 0, 0))));
        lm.train(false);
        MoeLayer layer = (MoeLayer) lm.feedForwardBlocks().getFirst();
        // 400 updates of 0.001: experts 0 and 1 seen as overloaded, 3 and 4 as idle, so b = (-0.4, -0.4, 0, 0.4, 0.4)
        for (int i = 0; i < 400; i++) layer.router().afterStep(new int[] {9, 9, 5, 1, 1});
        int[] ids = {3, 17, 42, 5, 60, 1, 9, 33, 33, 2, 58, 11, 0, 23, 47, 8, 19, 52, 36, 14};
        float[] want = lm.logits(ids, ids.length, new AuxiliaryLosses()).value().toArray();
        int[] trainingLoad = loads(lm, RunEngine.config(lm.config()), ids.length).getFirst();
        int[] engineLoad = new int[5];
        DecoderModel model = RunEngine.fromModel(lm);
        float[] got = model.forward(List.of(model.newSequence(24)), List.of(ids), true, new ForwardObserver() {
            @Override
            public void routing(int l, int[] experts, float[] w, int T, int k) {
                if (l == 0) for (int i = 0; i < T * k; i++) engineLoad[experts[i]]++;
            }
        });
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(got[i] - want[i]));
        assertTrue(max < 2e-5, "max |engine - training model| = " + max);
        assertArrayEquals(trainingLoad, engineLoad);
        assertTrue(engineLoad[3] + engineLoad[4] > engineLoad[0] + engineLoad[1], "the bias steers tokens to experts 3 and 4: "
                + Arrays.toString(engineLoad));
    }

    private static void assertRowClose(float[] expected, int er, float[] actual, int ar, int V, String what) {
        for (int i = 0; i < V; i++) assertEquals(expected[er * V + i], actual[ar * V + i], 2e-5, what + " [" + i + "]");
    }
}
