package org.moe4j.moe.hierarchical;

import org.moe4j.moe.DispatchPlan;
import org.moe4j.moe.Experts;
import org.moe4j.moe.MoeDispatch;
import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.loss.CvSquared;
import org.moe4j.moe.loss.ExpertImportance;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Module;
import org.moe4j.nn.RoutingDiagnostics;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;

/**
 * A hierarchical Mixture-of-Experts layer (Shazeer et al. 2017, appendix B; docs/routing.md): a groups
 * of b experts, expert j of group i at flat index i * b + j,
 * <pre>
 *   y = sum_i sum_j G_primary(x)_i * G_i(x)_j * E_{i,j}(x)
 * </pre>
 * {@link HierarchicalRouter} (module {@code gate}) picks the pairs, {@link MoeDispatch} runs them
 * grouped by expert (module {@code experts}), dropless. The balancing losses are Shazeer's, taken
 * per (group, expert) pair:
 * <pre>
 *   Importance_H(X)_{i,j} = sum_x G_primary(x)_i * G_i(x)_j
 *   Load_H(X)_{i,j}       = Load_primary(X)_i * Load_i(X^(i))_j / |X^(i)|       ({@link HierarchicalLoad})
 *   aux = importance * CV^2(Importance_H) + load * CV^2(Load_H)
 * </pre>
 * Loads are smooth (normal CDF) for noisy routers while training, counts otherwise. Input (T, d)
 * or (B, S, d).
 */
public final class HierarchicalMoeLayer extends FeedForwardBlock {
    /**
     * One forward pass of a {@link HierarchicalMoeLayer}.
     *
     * @param output    same leading shape as the input, last axis the expert output size
     * @param auxLoss   importance * CV^2(Importance_H) + load * CV^2(Load_H), or null when both are off
     * @param lossTerms the terms unweighted, by name: importance, cv_importance, load, cv_load (those switched on);
     *                  importance and load are (a * b) vectors over the (group, expert) pairs
     * @param routing   both levels' decisions and the pairs that ran
     */
    public record Output(Variable output, Variable auxLoss, Map<String, Variable> lossTerms,
                         HierarchicalRouting routing) {

        /** Pairs each expert i * b + j computed. */
        public int[] tokensPerExpert() {
            return routing.plan().tokensPerExpert();
        }
    }

    private final HierarchicalRouter router;
    private final Experts experts;
    private final BalancingLosses losses;
    private final Rng rng;
    private DispatchPlan lastPlan;

    public <X extends Module & Experts> HierarchicalMoeLayer(HierarchicalRouter router, X experts, BalancingLosses losses,
                                                              Rng rng) {
        if (router.numExperts() != experts.numExperts()) {
            throw new IllegalArgumentException("hierarchical MoE layer: the router has a * b = " + router.numGroups()
                    + " * " + router.groupSize() + " = " + router.numExperts() + " experts but there are "
                    + experts.numExperts() + " experts");
        }
        if (losses.loadBalancing() > 0 || losses.zLoss() > 0) {
            throw new IllegalArgumentException("hierarchical MoE layer: loadBalancing = " + losses.loadBalancing()
                    + " and zLoss = " + losses.zLoss() + " must be 0; the hierarchical losses are importance and load"
                    + " (Shazeer 2017, appendix B)");
        }
        this.router = addModule("gate", router);
        this.experts = addModule("experts", experts);
        this.losses = losses;
        this.rng = rng;
    }

    /** As a transformer's feed-forward block: the output, with the weighted losses added to {@code aux} as "moe". */
    @Override
    public Variable forward(Variable x, AuxiliaryLosses aux) {
        Output out = forward(x);
        if (out.auxLoss() != null) aux.add("moe", 1f, out.auxLoss());
        lastPlan = out.routing().plan();
        return out.output();
    }

    /** The load of the last step: (token, group, expert) pairs per flat expert i * b + j and their CV. */
    public record ExpertLoad(int[] tokensPerExpert, double loadCv) implements RoutingDiagnostics {}

    @Override
    public Optional<RoutingDiagnostics> diagnostics() {
        if (lastPlan == null) return Optional.empty();
        int[] counts = lastPlan.tokensPerExpert();
        double mean = 0;
        for (int c : counts) mean += c / (double) counts.length;
        double var = 0;
        for (int c : counts) var += (c - mean) * (c - mean) / counts.length;
        return Optional.of(new ExpertLoad(counts, mean == 0 ? 0.0 : Math.sqrt(var) / mean));
    }

    @Override
    public int[][] lastAssignments() {
        return lastPlan == null ? null : new int[][] {lastPlan.pairToken(), lastPlan.pairExpert()};
    }

    public HierarchicalRouter router() {
        return router;
    }

    public Experts experts() {
        return experts;
    }

    // x: (T, d) or (B, S, d)   y: same leading shape, last axis = experts' output size
    public Output forward(Variable x) {
        int[] shape = x.shape();
        if (shape.length != 2 && shape.length != 3) {
            throw new IllegalArgumentException("hierarchical MoE layer: input shape " + Shape.str(shape)
                    + " must be (T, d) or (B, S, d)");
        }
        int d = shape[shape.length - 1];
        int tokens = d == 0 ? 0 : x.value().size() / d;
        if (d != experts.inputSize() || tokens == 0) {
            throw new IllegalArgumentException("hierarchical MoE layer: input shape " + Shape.str(shape)
                    + " must hold at least one token and end in d = " + experts.inputSize());
        }
        Variable flat = shape.length == 2 ? x : Arithmetic.reshape(x, tokens, d);
        HierarchicalRouting routing = router.route(flat, isTraining(), rng);
        Variable y = MoeDispatch.apply(flat, routing.gates(), routing.plan(), experts);
        if (shape.length == 3) y = Arithmetic.reshape(y, shape[0], shape[1], experts.outputSize());

        Map<String, Variable> terms = new LinkedHashMap<>();
        List<Variable> weighted = new ArrayList<>();
        List<Float> coefficients = new ArrayList<>();
        if (losses.importance() > 0) {
            DispatchPlan plan = routing.plan();
            Variable importance = ExpertImportance.apply(routing.gates(), routing.numExperts(), plan.pairExpert(),
                    plan.pairGate());
            Variable cv = CvSquared.apply(importance);
            terms.put("importance", importance);
            terms.put("cv_importance", cv);
            weighted.add(cv);
            coefficients.add((float) losses.importance());
        }
        if (losses.load() > 0) {
            Variable load = load(routing);
            Variable cv = CvSquared.apply(load);
            terms.put("load", load);
            terms.put("cv_load", cv);
            weighted.add(cv);
            coefficients.add((float) losses.load());
        }
        Variable aux = null;
        if (!weighted.isEmpty()) {
            float[] c = new float[coefficients.size()];
            for (int i = 0; i < c.length; i++) c[i] = coefficients.get(i);
            aux = Arithmetic.weightedSum(weighted.toArray(Variable[]::new), c);
        }
        return new Output(y, aux, terms, routing);
    }

    private static Variable load(HierarchicalRouting routing) {
        int groups = routing.numGroups();
        Variable[] inner = new Variable[groups];
        int[] sizes = new int[groups];
        for (int i = 0; i < groups; i++) {
            sizes[i] = routing.groupTokens()[i].length;
            if (routing.secondary()[i] != null) inner[i] = ExpertImportance.load(routing.secondary()[i]);
        }
        return HierarchicalLoad.apply(ExpertImportance.load(routing.primary()), inner, sizes, routing.groupSize());
    }
}
