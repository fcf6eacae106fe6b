package org.moe4j.moe;

import org.moe4j.moe.loss.BalancingLosses;
import org.moe4j.moe.loss.CvSquared;
import org.moe4j.moe.loss.ExpertImportance;
import org.moe4j.moe.loss.LoadBalancingLoss;
import org.moe4j.moe.loss.RouterZLoss;
import org.moe4j.moe.router.Router;
import org.moe4j.moe.router.Routing;

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
import org.moe4j.nn.SwiGluFeedForward;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;

/**
 * A sparse Mixture-of-Experts layer (Shazeer et al. 2017; Fedus et al. 2021; docs/routing.md):
 * <pre>
 *   y_t = sum over kept pairs (t, e) of g_te * expert_e(x_t)  +  shared(x_t)
 * </pre>
 * router (module {@code gate}) -> capacity -> {@link MoeDispatch} (experts, module {@code experts})
 * -> optional shared experts (module {@code shared_experts}, every token, no gate) -> balancing
 * losses. Input (T, d) or (B, S, d); capacity groups are the sequences of a 3-D input (S tokens
 * each) and the whole batch of a 2-D input. Trainable end to end: router parameters get their
 * gradient through the gate weights and the balancing losses.
 */
public final class MoeLayer extends FeedForwardBlock {
    /**
     * One forward pass of the layer.
     *
     * @param output      same leading shape as the input, last axis the expert output size
     * @param auxLoss     the weighted sum of the configured balancing losses (a scalar), or null when none is on
     * @param lossTerms   each balancing term unweighted, by name: load_balancing, importance, cv_importance,
     *                    load, cv_load, z_loss (only those switched on)
     * @param routing     the router's decision
     * @param keep        (P) which routed pairs kept a capacity slot
     * @param plan        the pairs that ran
     * @param diagnostics the step's routing statistics
     */
    public record Output(Variable output, Variable auxLoss, Map<String, Variable> lossTerms, Routing routing,
                         boolean[] keep, DispatchPlan plan, MoeDiagnostics diagnostics) {}

    private final Router router;
    private final Experts experts;
    private final SwiGluFeedForward shared;
    private final Capacity capacity;
    private final BalancingLosses losses;
    private final Rng rng;
    private MoeDiagnostics lastDiagnostics;
    private Routing lastRouting;
    private ExpertParallelism parallelism;

    /**
     * @param causal true when the layer sits in a causal decoder: refused for routers whose
     *               choice for a token depends on later tokens (expert choice)
     * @param shared the shared experts, or null
     */
    public <R extends Module & Router, X extends Module & Experts> MoeLayer(R router, X experts, SwiGluFeedForward shared,
                                                                           Capacity capacity, BalancingLosses losses,
                                                                           boolean causal, Rng rng) {
        if (router.numExperts() != experts.totalExperts()) {
            throw new IllegalArgumentException("MoE layer: the router has " + router.numExperts() + " experts but there are "
                    + experts.totalExperts() + " experts");
        }
        if (causal && router.looksAcrossTokens()) {
            throw new IllegalArgumentException("MoE layer: " + router.getClass().getSimpleName() + " lets each expert pick"
                    + " its tokens from the whole batch, so a token's output would depend on later tokens; it cannot run"
                    + " in a causal decoder (causal = true). Use a token-choice router such as SoftmaxTopKRouter there.");
        }
        if (router.looksAcrossTokens() && losses.loadBalancing() > 0) {
            throw new IllegalArgumentException("MoE layer: loadBalancing = " + losses.loadBalancing() + " must be 0 with "
                    + router.getClass().getSimpleName() + ": expert choice is balanced by construction and has no"
                    + " per-token choice to count");
        }
        if (shared != null && experts.inputSize() != experts.outputSize()) {
            throw new IllegalArgumentException("MoE layer: shared experts need routed experts that map d to d, got "
                    + experts.inputSize() + " -> " + experts.outputSize());
        }
        if (shared != null && (shared.gate().inFeatures() != experts.inputSize()
                || shared.down().outFeatures() != experts.outputSize())) {
            throw new IllegalArgumentException("MoE layer: shared experts map " + shared.gate().inFeatures() + " -> "
                    + shared.down().outFeatures() + " but the routed experts map " + experts.inputSize() + " -> "
                    + experts.outputSize());
        }
        this.router = addModule("gate", router);
        this.experts = addModule("experts", experts);
        this.shared = shared == null ? null : addModule("shared_experts", shared);
        this.capacity = capacity;
        this.losses = losses;
        this.rng = rng;
    }

    public Router router() {
        return router;
    }

    public Experts experts() {
        return experts;
    }

    /**
     * Runs this layer over ranks from now on ({@code null}: in this process alone again). The
     * caller guarantees every rank of the group calls {@link #forward} and {@link #afterStep} in step.
     */
    public void distribute(ExpertParallelism parallelism) {
        this.parallelism = parallelism;
    }

    /** The diagnostics of the last forward pass, or null before the first. */
    public MoeDiagnostics lastDiagnostics() {
        return lastDiagnostics;
    }

    // x: (T, d) or (B, S, d)   y: same leading shape, last axis = experts' output size
    public Output forward(Variable x) {
        int[] shape = x.shape();
        if (shape.length != 2 && shape.length != 3) {
            throw new IllegalArgumentException("MoE layer: input shape " + Shape.str(shape) + " must be (T, d) or (B, S, d)");
        }
        int d = shape[shape.length - 1];
        if (d != experts.inputSize()) {
            throw new IllegalArgumentException("MoE layer: input shape " + Shape.str(shape) + " must end in d = "
                    + experts.inputSize());
        }
        int tokens = x.value().size() / d;
        int groupTokens = shape.length == 3 ? shape[1] : tokens;
        if (tokens == 0) {
            throw new IllegalArgumentException("MoE layer: input shape " + Shape.str(shape) + " holds no tokens");
        }
        Variable flat = shape.length == 2 ? x : Arithmetic.reshape(x, tokens, d);
        Routing routing = router.route(flat, isTraining(), rng);
        boolean[] keep = capacity.keep(routing, groupTokens);
        DispatchPlan plan = keptPairs(routing, keep);
        Variable y = parallelism == null ? MoeDispatch.apply(flat, routing.gates(), plan, experts)
                : parallelism.dispatch(flat, routing.gates(), plan, experts);
        if (shared != null) y = Arithmetic.add(y, shared.forward(flat));
        if (shape.length == 3) y = Arithmetic.reshape(y, shape[0], shape[1], experts.outputSize());

        Map<String, Variable> terms = new LinkedHashMap<>();
        List<Variable> weighted = new ArrayList<>();
        List<Float> coefficients = new ArrayList<>();
        if (losses.loadBalancing() > 0) {
            // over ranks, the one group of a 2-D input is the global batch: its fractions f_e are global
            Variable lb = parallelism != null && groupTokens == tokens
                    ? LoadBalancingLoss.apply(routing, keep, losses.form(), parallelism::sumOverBatch)
                    : LoadBalancingLoss.apply(routing, keep, groupTokens, losses.form());
            terms.put("load_balancing", lb);
            weighted.add(lb);
            coefficients.add((float) losses.loadBalancing());
        }
        if (losses.importance() > 0) {
            Variable importance = ExpertImportance.apply(routing);
            Variable cv = CvSquared.apply(importance);
            terms.put("importance", importance);
            terms.put("cv_importance", cv);
            weighted.add(cv);
            coefficients.add((float) losses.importance());
        }
        if (losses.load() > 0) {
            Variable load = ExpertImportance.load(routing);
            Variable cv = CvSquared.apply(load);
            terms.put("load", load);
            terms.put("cv_load", cv);
            weighted.add(cv);
            coefficients.add((float) losses.load());
        }
        if (losses.zLoss() > 0) {
            Variable z = RouterZLoss.apply(routing.logits());
            terms.put("z_loss", z);
            weighted.add(z);
            coefficients.add((float) losses.zLoss());
        }
        Variable aux = null;
        if (!weighted.isEmpty()) {
            float[] c = new float[coefficients.size()];
            for (int i = 0; i < c.length; i++) c[i] = coefficients.get(i);
            aux = Arithmetic.weightedSum(weighted.toArray(Variable[]::new), c);
        }
        lastDiagnostics = MoeDiagnostics.of(routing, plan);
        lastRouting = routing;
        return new Output(y, aux, terms, routing, keep, plan, lastDiagnostics);
    }

    /**
     * As a transformer's feed-forward block: the output, with the weighted balancing losses added
     * to {@code aux} as one term named "moe".
     */
    @Override
    public Variable forward(Variable x, AuxiliaryLosses aux) {
        Output out = forward(x);
        if (out.auxLoss() != null) aux.add("moe", 1f, out.auxLoss());
        return out.output();
    }

    /** The last step's routing statistics (tokens per expert, dropped fraction, ...). */
    @Override
    public Optional<RoutingDiagnostics> diagnostics() {
        return Optional.ofNullable(lastDiagnostics);
    }

    @Override
    public int[][] lastAssignments() {
        return lastRouting == null ? null : new int[][] {lastRouting.pairToken(), lastRouting.pairExpert()};
    }

    /** After an optimizer step: lets the router update non-gradient state (DeepSeek-V3's selection bias). */
    @Override
    public void afterStep() {
        if (lastDiagnostics == null) return;
        int[] counts = lastDiagnostics.tokensPerExpert();
        if (parallelism != null) {
            double[] global = new double[counts.length];
            for (int e = 0; e < counts.length; e++) global[e] = counts[e];
            global = parallelism.sumOverBatch(global);
            counts = new int[global.length];
            for (int e = 0; e < counts.length; e++) counts[e] = (int) global[e];
        }
        router.afterStep(counts);
    }

    static DispatchPlan keptPairs(Routing routing, boolean[] keep) {
        int kept = 0;
        for (boolean k : keep) if (k) kept++;
        int[] token = new int[kept];
        int[] expert = new int[kept];
        int[] gate = new int[kept];
        for (int p = 0, q = 0; p < keep.length; p++) {
            if (!keep[p]) continue;
            token[q] = routing.pairToken()[p];
            expert[q] = routing.pairExpert()[p];
            gate[q] = routing.pairGate()[p];
            q++;
        }
        return new DispatchPlan(routing.tokens(), routing.numExperts(), token, expert, gate);
    }
}
