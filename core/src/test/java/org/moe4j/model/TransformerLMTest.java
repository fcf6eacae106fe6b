package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.io.Json;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.train.Adam;
import org.moe4j.train.ParameterGroups;

class TransformerLMTest {
    static TransformerConfig tinyMoe() {
        return new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 12), new FeedForwardSpec.Dense(24)), false, 6);
    }

    @Test
    void moeLayersFollowMixtralNamesCountsAndAddTheirBalancingLoss() {
        TransformerLM lm = new TransformerLM(tinyMoe());
        var names = lm.namedParameters().keySet();
        assertTrue(names.contains("model.layers.0.block_sparse_moe.gate.weight"), names.toString());
        assertTrue(names.contains("model.layers.1.mlp.up_proj.weight"), names.toString());
        assertEquals(lm.parameterCount(), lm.config().totalParameters());
        assertTrue(lm.config().activeParameters() < lm.config().totalParameters());
        AuxiliaryLosses aux = new AuxiliaryLosses();
        lm.loss(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {2, 3, 4, 5, 6, 7, 8, 9}, 8, aux).backward();
        assertEquals(1, aux.terms().size());
        assertEquals("moe", aux.terms().getFirst().name());
        assertNotNull(lm.namedParameters().get("model.layers.0.block_sparse_moe.gate.weight").grad(), "the router learns");
        assertFalse(lm.feedForwardBlocks().getFirst().diagnostics().isEmpty());
        assertEquals(tinyMoe(), TransformerConfig.fromJson(Json.parse(Json.write(tinyMoe().toJson()))));
    }

    /**
     * The norms' outputs, the residual stream, attention's and the MoE layer's arrays are lent from a
     * training pass to the next: a pass on the arrays of another batch gives the loss and every
     * gradient bit for bit as a fresh model does.
     */
    @Test
    void aPassOnTheArraysOfTheLastGivesTheBitsOfAFreshModel() {
        int[] ids1 = new int[16], ids2 = new int[16], next1 = new int[16], next2 = new int[16];
        for (int i = 0; i < 16; i++) {
            ids1[i] = (i * 5 + 1) % 11;
            next1[i] = (i * 3 + 2) % 11;
            ids2[i] = (i * 7 + 4) % 11;
            next2[i] = (i * 2 + 9) % 11;
        }
        TransformerLM reused = new TransformerLM(tinyMoe());
        reused.loss(ids1, next1, 8, new AuxiliaryLosses()).backward();
        reused.zeroGrad();
        Variable again = reused.loss(ids2, next2, 8, new AuxiliaryLosses());
        again.backward();
        TransformerLM fresh = new TransformerLM(tinyMoe());
        Variable first = fresh.loss(ids2, next2, 8, new AuxiliaryLosses());
        first.backward();
        assertEquals(first.value().item(), again.value().item());
        fresh.namedParameters().forEach((name, p) ->
                assertArrayEquals(p.grad().toArray(), reused.namedParameters().get(name).grad().toArray(), name));
    }

    @Test
    void checkpointsStoreExpertsOneByOneAsHuggingFaceMixtralDoes() {
        TransformerLM a = new TransformerLM(tinyMoe());
        var saved = a.checkpointState();
        assertArrayEquals(new int[] {12, 16}, saved.get("model.layers.0.block_sparse_moe.experts.3.w1.weight").shape());
        assertArrayEquals(new int[] {16, 12}, saved.get("model.layers.0.block_sparse_moe.experts.0.w2.weight").shape());
        assertFalse(saved.containsKey("model.layers.0.block_sparse_moe.experts.w1.weight"), "no stacked tensor in the file");
        assertTrue(saved.containsKey("model.layers.1.mlp.up_proj.weight"));
        TransformerLM b = new TransformerLM(new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 12), new FeedForwardSpec.Dense(24)), false, 99));
        b.loadCheckpointState(saved);
        a.stateDict().forEach((k, t) -> assertArrayEquals(t.toArray(), b.stateDict().get(k).toArray(), k));
        saved.remove("model.layers.0.block_sparse_moe.experts.2.w3.weight");
        var e = assertThrows(IllegalArgumentException.class, () -> b.loadCheckpointState(saved));
        assertTrue(e.getMessage().contains("experts.2.w3.weight") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void specialisationCountsEveryRoutedToken() {
        TransformerLM lm = new TransformerLM(tinyMoe());
        int[] ids = new int[8 * 3];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7) % 11;
        long[][][] counts = ExpertSpecialisation.count(lm, ids, 8);
        assertEquals(List.of(0), ExpertSpecialisation.expertLayers(counts), "layer 1 is dense");
        long total = 0;
        for (long[] expert : counts[0]) for (long c : expert) total += c;
        assertEquals(ids.length * 2L, total, "every token counted once per chosen expert (top-2)");
        assertTrue(lm.isTraining(), "the training mode is restored");
    }

    static TransformerConfig tinyHierarchical() {
        return new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f, List.of(new HierarchicalMoeSpec(3, 2, 2, 1, 8, 0.01)), false, 8);
    }

    @Test
    void hierarchicalMoeLayersTrainAndCountTheirParameters() {
        TransformerLM lm = new TransformerLM(tinyHierarchical());
        assertEquals(lm.parameterCount(), lm.config().totalParameters());
        AuxiliaryLosses aux = new AuxiliaryLosses();
        lm.loss(new int[] {1, 2, 3, 4, 5, 6}, new int[] {2, 3, 4, 5, 6, 7}, 6, aux).backward();
        assertEquals("moe", aux.terms().getFirst().name());
        assertNotNull(lm.namedParameters().get("model.layers.0.block_sparse_moe.gate.primary.weight").grad(),
                "the primary router learns through the gates and the balancing losses");
        assertEquals(tinyHierarchical(), TransformerConfig.fromJson(Json.parse(Json.write(tinyHierarchical().toJson()))));
        long routed = 0;
        for (int c : lm.feedForwardBlocks().getFirst().diagnostics().orElseThrow().tokensPerExpert()) routed += c;
        assertEquals(6 * 2 * 1, routed, "2 groups x 1 expert per token");
    }

    static TransformerConfig tinyFff() {
        return new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f, List.of(new FffSpec(2, 6, 0.1)), false, 7);
    }

    @Test
    void fffLayersTrainSoftAndAddTheirHardeningLoss() {
        TransformerLM lm = new TransformerLM(tinyFff());
        assertTrue(lm.namedParameters().containsKey("model.layers.0.fff.node.weight"), lm.namedParameters().keySet().toString());
        assertEquals(lm.parameterCount(), lm.config().totalParameters());
        AuxiliaryLosses aux = new AuxiliaryLosses();
        lm.loss(new int[] {1, 2, 3, 4}, new int[] {2, 3, 4, 5}, 4, aux).backward();
        assertEquals("fff_hardening", aux.terms().getFirst().name());
        assertNotNull(lm.namedParameters().get("model.layers.0.fff.node.weight").grad(), "the tree's nodes learn");
        assertEquals(tinyFff(), TransformerConfig.fromJson(Json.parse(Json.write(tinyFff().toJson()))));
    }

    static TransformerConfig tiny(boolean tie) {
        return new TransformerConfig(11, 16, 4, 2, 8, 10000.0, 1e-5f,
                List.of(new FeedForwardSpec.Dense(24), new FeedForwardSpec.Dense(24)), tie, 5);
    }

    @Test
    void namesFollowHuggingFaceAndCountsMatchTheConfig() {
        TransformerLM lm = new TransformerLM(tiny(false));
        var names = List.copyOf(lm.namedParameters().keySet());
        assertEquals("model.embed_tokens.weight", names.get(0));
        assertTrue(names.contains("model.layers.0.input_layernorm.weight"));
        assertTrue(names.contains("model.layers.1.self_attn.k_proj.weight"));
        assertTrue(names.contains("model.layers.1.post_attention_layernorm.weight"));
        assertTrue(names.contains("model.layers.0.mlp.gate_proj.weight"));
        assertTrue(names.contains("model.layers.0.mlp.down_proj.weight"));
        assertEquals("model.norm.weight", names.get(names.size() - 2));
        assertEquals("lm_head.weight", names.get(names.size() - 1));
        assertArrayEquals(new int[] {8, 16}, lm.namedParameters().get("model.layers.0.self_attn.v_proj.weight").shape(),
                "grouped-query: 2 kv heads of dimension 4");
        assertEquals(lm.parameterCount(), lm.config().totalParameters());
        assertEquals(lm.parameterCount(), new TransformerLM(tiny(false)).parameterCount());
        assertEquals(new TransformerLM(tiny(true)).parameterCount(), tiny(true).totalParameters());
    }

    @Test
    void overfitsOneBatch() {
        TransformerLM lm = new TransformerLM(tiny(false));
        int[] x = {1, 2, 3, 4, 5, 6, 7, 8, 3, 1, 4, 1, 5, 9, 2, 6};
        int[] y = {2, 3, 4, 5, 6, 7, 8, 9, 1, 4, 1, 5, 9, 2, 6, 5};
        Adam adam = new Adam(ParameterGroups.standard(lm, 1e-2, 0), Adam.Config.adamW());
        double first = 0, last = 0;
        for (int step = 0; step < 150; step++) {
            adam.zeroGrad();
            Variable loss = lm.loss(x, y, 8, new AuxiliaryLosses());
            if (step == 0) first = loss.value().item();
            last = loss.value().item();
            loss.backward();
            adam.step();
        }
        assertEquals(Math.log(11), first, 0.3, "starts near uniform");
        assertTrue(last < 0.05, "memorises 16 tokens, loss " + last);
    }

    @Test
    void configRoundTripsThroughJsonAndRejectsBadValues() {
        TransformerConfig c = tiny(true);
        assertEquals(c, TransformerConfig.fromJson(Json.parse(Json.write(c.toJson()))));
        var e = assertThrows(IllegalArgumentException.class, () -> new TransformerConfig(11, 16, 3, 1, 8, 1e4, 1e-5f,
                List.of(new FeedForwardSpec.Dense(4)), true, 1));
        assertEquals("transformer config: heads is 3, must be >= 1 and dividing dModel 16", e.getMessage());
        var m = new java.util.LinkedHashMap<>(c.toJson());
        m.put("format_version", 99L);
        var e2 = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.fromJson(m));
        assertTrue(e2.getMessage().contains("incompatible version"), e2.getMessage());
        m.put("format_version", 1L);
        m.put("d_model", "sixteen");
        var e3 = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.fromJson(m));
        assertEquals("transformer config: field \"d_model\" is \"sixteen\", must be an integer", e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> new TransformerLM(c).logits(new int[] {1, 2, 3}, 9, new AuxiliaryLosses()));
        assertTrue(e4.getMessage().contains("[1, 8]"), e4.getMessage());
    }
}
