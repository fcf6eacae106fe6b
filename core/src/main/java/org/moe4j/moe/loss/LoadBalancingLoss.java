package org.moe4j.moe.loss;

import org.moe4j.moe.router.Routing;

import java.util.function.UnaryOperator;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * Switch / GShard load-balancing loss (Fedus et al. 2021, eq. 4-6; docs/routing.md):
 * <pre>
 *   L = (E / G) * sum_g sum_e f_ge * P_ge
 *   f_ge = (pairs of group g routed to e) / (S * (k if PER_ASSIGNMENT else 1)),   P_ge = mean_{t in g} p_te
 * </pre>
 * over G groups of S tokens (one group of all T for {@link Scope#BATCH}). The counts come from the
 * router's choice BEFORE capacity dropping; f is a constant, so dL/dp_te = (E / G) f_ge / S.
 * At uniform routing L = 1 (PER_ASSIGNMENT) or k (PER_TOKEN, Hugging Face Mixtral's normalisation).
 * {@link Counting#KEPT_ARGMAX} reproduces Hugging Face Switch Transformers, which counts the
 * argmax of the post-capacity mask, so a dropped token counts as expert 0.
 */
public final class LoadBalancingLoss {
    /** What f divides by: routed pairs per token slot (sums to k over experts) or all pairs (sums to 1). */
    public enum Normalisation { PER_TOKEN, PER_ASSIGNMENT }

    /** One group per batch, or one per sequence (the capacity group). */
    public enum Scope { BATCH, GROUP }

    /** Which choice each pair counts for. */
    public enum Counting { ROUTER_CHOICE, KEPT_ARGMAX }

    /** The options of one loss form. */
    public record Form(Normalisation normalisation, Scope scope, Counting counting) {
        public static final Form MIXTRAL = new Form(Normalisation.PER_TOKEN, Scope.BATCH, Counting.ROUTER_CHOICE);
        public static final Form SWITCH = new Form(Normalisation.PER_ASSIGNMENT, Scope.GROUP, Counting.ROUTER_CHOICE);
        public static final Form HF_SWITCH = new Form(Normalisation.PER_ASSIGNMENT, Scope.GROUP, Counting.KEPT_ARGMAX);
    }

    private LoadBalancingLoss() {}

    /**
     * The loss of one shard of a batch spread over ranks, for one group (the whole batch): the
     * counts behind f_e and the token count are summed over ranks by {@code sumOverBatch}, so
     * f_e is the global batch's, and P_e is this shard's mean. The mean of this loss over
     * equal shards is then the one-process loss, E sum_e f_e P_e, since P_e is the mean of the
     * shards' means; so is the mean of its gradients dL/dp_te = E f_e / T_shard.
     */
    // probs: (T, E)   keep: (P)   out: ()
    public static Variable apply(Routing routing, boolean[] keep, Form form, UnaryOperator<double[]> sumOverBatch) {
        if (routing.topK() == 0) {
            throw new IllegalArgumentException("load-balancing loss: needs a token-choice router (expert choice is"
                    + " balanced by construction)");
        }
        int tokens = routing.tokens();
        int experts = routing.numExperts();
        double[] counts = new double[experts + 1];
        for (int q = 0; q < routing.pairToken().length; q++) {
            counts[form.counting() == Counting.KEPT_ARGMAX && !keep[q] ? 0 : routing.pairExpert()[q]]++;
        }
        counts[experts] = tokens;
        double[] global = sumOverBatch.apply(counts);
        double per = global[experts] * (form.normalisation() == Normalisation.PER_ASSIGNMENT ? routing.topK() : 1);
        double[] fraction = new double[experts];
        for (int e = 0; e < experts; e++) fraction[e] = global[e] / per;
        return loss(routing, fraction, tokens, 1);
    }

    // probs: (T, E)   keep: (P)   out: ()
    public static Variable apply(Routing routing, boolean[] keep, int groupTokens, Form form) {
        if (routing.topK() == 0) {
            throw new IllegalArgumentException("load-balancing loss: needs a token-choice router (expert choice is"
                    + " balanced by construction)");
        }
        int tokens = routing.tokens();
        int experts = routing.numExperts();
        int groupSize = form.scope() == Scope.BATCH ? tokens : groupTokens;
        int groups = tokens / groupSize;
        double[] fraction = new double[groups * experts];
        double per = (double) groupSize * (form.normalisation() == Normalisation.PER_ASSIGNMENT ? routing.topK() : 1);
        for (int q = 0; q < routing.pairToken().length; q++) {
            int expert = form.counting() == Counting.KEPT_ARGMAX && !keep[q] ? 0 : routing.pairExpert()[q];
            fraction[(routing.pairToken()[q] / groupSize) * experts + expert] += 1.0 / per;
        }
        return loss(routing, fraction, groupSize, groups);
    }

    // L = (E / G) sum_g sum_e f_ge P_ge with P_ge the mean of p_te over the groupSize tokens of group g
    private static Variable loss(Routing routing, double[] fraction, int groupSize, int groups) {
        Variable probs = routing.probs();
        Tensor p = probs.value();
        int tokens = routing.tokens();
        int experts = routing.numExperts();
        double[] meanProb = new double[groups * experts];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) {
                meanProb[(t / groupSize) * experts + e] += p.data()[p.offset() + t * experts + e] / (double) groupSize;
            }
        }
        double sum = 0;
        for (int i = 0; i < fraction.length; i++) sum += fraction[i] * meanProb[i];
        double scale = (double) experts / groups;
        return Variable.result("load_balancing_loss", Tensor.scalar((float) (scale * sum)), dOut -> {
            Tensor dp = Tensor.zeros(tokens, experts);
            double g = dOut.item() * scale / groupSize;
            for (int t = 0; t < tokens; t++) {
                for (int e = 0; e < experts; e++) {
                    dp.data()[t * experts + e] = (float) (g * fraction[(t / groupSize) * experts + e]);
                }
            }
            probs.accumulateGrad(dp);
        }, probs);
    }
}
