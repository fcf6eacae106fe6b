package org.moe4j.parallel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.dist.LocalGroup;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Adam;
import org.moe4j.train.ParameterGroups;

/**
 * An expert-parallel rank holds only its experts: the expert weights, their gradients and their
 * AdamW moments on a rank of an expert group of X are 1/X of one process's (dense weights whole),
 * and the held experts start at the values one process gives them.
 */
class ExpertMemoryTest {
    /** Rows of the fixed batch {@link #step} shares out over the ranks. */
    static final int BATCH = 4;

    /** Floats a rank holds after one step: [expert weights, their AdamW moments, dense weights, their moments]. */
    private record Held(long experts, long expertMoments, long dense, long denseMoments) {}

    /**
     * One AdamW step of the tiny model on this rank's share of a fixed batch of BATCH rows (rank r of N
     * takes rows r * BATCH / N onwards), gradients reduced over the ranks when {@code parallel} is set.
     */
    static Adam step(TransformerLM model, ParallelTraining parallel, int rank, int ranks) {
        Adam adam = new Adam(ParameterGroups.split(model, 1e-2, 0.1, 1e-2), Adam.Config.adamW());
        int T = model.config().contextLength();
        int rows = BATCH / ranks;
        int[] inputs = new int[rows * T];
        int[] targets = new int[rows * T];
        for (int i = 0; i < inputs.length; i++) {
            int global = rank * rows * T + i;
            inputs[i] = global * 7 % model.config().vocabSize();
            targets[i] = (global * 7 + 3) % model.config().vocabSize();
        }
        Variable loss = model.loss(inputs, targets, T, new AuxiliaryLosses());
        loss.backward();
        List<Variable> params = List.copyOf(model.namedParameters().values());
        if (parallel != null) parallel.reduceGradients(params);
        adam.step();
        return adam;
    }

    private static Held oneStep(TransformerLM model, ParallelTraining parallel, int rank, int ranks) {
        Adam adam = step(model, parallel, rank, ranks);
        Map<String, Variable> named = model.namedParameters();
        long experts = 0;
        long expertMoments = 0;
        long dense = 0;
        long denseMoments = 0;
        java.util.Set<String> expertNames = new java.util.HashSet<>();
        for (var layer : model.stackedExperts().entrySet()) {
            for (String key : layer.getValue().namedParameters().keySet()) expertNames.add(layer.getKey() + "." + key);
        }
        assertFalse(expertNames.isEmpty());
        for (var e : named.entrySet()) {
            if (expertNames.contains(e.getKey())) experts += e.getValue().value().size();
            else dense += e.getValue().value().size();
        }
        for (var e : adam.stateDict().entrySet()) {
            String param = e.getKey().substring(e.getKey().indexOf('/') + 1);
            if (expertNames.contains(param)) expertMoments += e.getValue().size();
            else denseMoments += e.getValue().size();
        }
        return new Held(experts, expertMoments, dense, denseMoments);
    }

    private static void assertDivided(int ranks, int expertParallel) {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        Held whole = oneStep(new TransformerLM(config), null, 0, 1);
        assertTrue(whole.expertMoments() == 2 * whole.experts(), "one process: Adam holds two moments per expert weight");
        List<Held> held = LocalGroup.run(ranks, TinyRun.TIMEOUT, comm -> {
            ParallelLayout layout = new ParallelLayout(ranks, expertParallel);
            TransformerLM model = new TransformerLM(config, layout.expertSlice(comm.rank()));
            try (ParallelTraining p = ParallelTraining.start(comm, model, layout, BATCH)) {
                return oneStep(model, p, comm.rank(), ranks);
            }
        });
        for (int r = 0; r < ranks; r++) {
            Held h = held.get(r);
            assertEquals(whole.experts() / expertParallel, h.experts(), "rank " + r + ": expert weights");
            assertEquals(whole.expertMoments() / expertParallel, h.expertMoments(), "rank " + r + ": expert AdamW moments");
            assertEquals(whole.dense(), h.dense(), "rank " + r + ": dense weights");
            assertEquals(whole.denseMoments(), h.denseMoments(), "rank " + r + ": dense AdamW moments");
        }
    }

    @Test
    void twoExpertRanksHoldHalfTheExperts() {
        assertDivided(2, 2);
    }

    @Test
    void fourRanksInTwoDataGroupsHoldHalfTheExpertsEach() {
        assertDivided(4, 2);
    }

    @Test
    void fourExpertRanksHoldAQuarter() {
        assertDivided(4, 4);
    }

    /** Every weight of a slice's model is the whole model's: dense ones equal, experts equal to their rows of the whole. */
    @Test
    void aSliceStartsAtTheWholeModelsValues() {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        Map<String, Tensor> whole = new TransformerLM(config).stateDict();
        for (int part = 0; part < 2; part++) {
            TransformerLM sliced = new TransformerLM(config, new org.moe4j.moe.ExpertSlice(part, 2));
            Map<String, Tensor> got = sliced.stateDict();
            assertEquals(whole.keySet(), got.keySet());
            java.util.Set<String> experts = new java.util.HashSet<>();
            for (var layer : sliced.stackedExperts().entrySet()) {
                for (String key : layer.getValue().namedParameters().keySet()) experts.add(layer.getKey() + "." + key);
            }
            for (var e : got.entrySet()) {
                float[] want = whole.get(e.getKey()).toArray();
                float[] have = e.getValue().toArray();
                if (experts.contains(e.getKey())) {
                    // 4 experts: part p holds experts 2p and 2p + 1, the first or the second half of the stacked rows
                    want = java.util.Arrays.copyOfRange(want, part * want.length / 2, (part + 1) * want.length / 2);
                }
                assertArrayEquals(want, have, e.getKey() + " of part " + part);
            }
        }
    }

    /** A model built for another rank's experts is refused by name, before any collective runs. */
    @Test
    void aModelHoldingOtherExpertsIsRefused() {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        List<String> messages = LocalGroup.run(2, TinyRun.TIMEOUT, comm -> {
            try (ParallelTraining p = ParallelTraining.start(comm, new TransformerLM(config), new ParallelLayout(2, 2), BATCH)) {
                return "ok";
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        for (int r = 0; r < 2; r++) {
            assertEquals("rank " + r + " of 2: the model holds expert slice ExpertSlice[part=0, parts=1], the layout gives this rank"
                    + " ExpertSlice[part=" + r + ", parts=2]; build it with new TransformerLM(config, layout.expertSlice(rank))",
                    messages.get(r));
        }
    }
}
