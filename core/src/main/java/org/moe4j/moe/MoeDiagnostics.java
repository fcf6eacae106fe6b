package org.moe4j.moe;

import org.moe4j.moe.loss.RouterZLoss;
import org.moe4j.moe.router.Routing;
import org.moe4j.nn.RoutingDiagnostics;
import org.moe4j.tensor.Tensor;

/**
 * What a MoE layer did in one step, for logs and metrics (a layer of metrics.jsonl, its fields in
 * this order).
 *
 * @param tokensPerExpert     pairs each expert computed, after capacity
 * @param routedPerExpert     pairs each expert was chosen for, before capacity
 * @param droppedFraction     dropped pairs / routed pairs
 * @param loadCv              coefficient of variation (population std / mean) of tokensPerExpert
 * @param maxOverMeanLoad     max / mean of tokensPerExpert (1 = perfectly balanced)
 * @param routingEntropy      mean over tokens of the entropy (nats) of the routing distribution
 * @param meanTopProbability  mean over tokens of the largest routing probability
 * @param zLoss               (1/T) sum_t logsumexp(l_t)^2 of the router logits
 */
public record MoeDiagnostics(int[] tokensPerExpert, int[] routedPerExpert, double droppedFraction, double loadCv,
                             double maxOverMeanLoad, double routingEntropy, double meanTopProbability, double zLoss)
        implements RoutingDiagnostics {

    /**
     * The scalar statistics as metric name -> value under {@code prefix} (for example
     * "layers.3.moe."), with tokens per expert as {@code tokens_per_expert.E}: what a training
     * loop writes to its metrics each step.
     */
    public java.util.Map<String, Double> metrics(String prefix) {
        java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
        m.put(prefix + "dropped_fraction", droppedFraction);
        m.put(prefix + "load_cv", loadCv);
        m.put(prefix + "max_over_mean_load", maxOverMeanLoad);
        m.put(prefix + "routing_entropy", routingEntropy);
        m.put(prefix + "mean_top_probability", meanTopProbability);
        m.put(prefix + "z_loss", zLoss);
        for (int e = 0; e < tokensPerExpert.length; e++) m.put(prefix + "tokens_per_expert." + e, (double) tokensPerExpert[e]);
        return m;
    }

    static MoeDiagnostics of(Routing routing, DispatchPlan plan) {
        int experts = routing.numExperts();
        int[] routed = new int[experts];
        for (int e : routing.pairExpert()) routed[e]++;
        int[] kept = plan.tokensPerExpert();
        int routedPairs = routing.pairExpert().length;
        double dropped = routedPairs == 0 ? 0 : (routedPairs - plan.pairs()) / (double) routedPairs;
        double mean = plan.pairs() / (double) experts;
        double var = 0;
        int max = 0;
        for (int c : kept) {
            var += (c - mean) * (c - mean);
            max = Math.max(max, c);
        }
        var /= experts;
        double cv = mean == 0 ? 0 : Math.sqrt(var) / mean;
        double maxOverMean = mean == 0 ? 0 : max / mean;
        Tensor p = routing.probs().value();
        Tensor l = routing.logits().value();
        int tokens = routing.tokens();
        double entropy = 0;
        double top = 0;
        double z = 0;
        for (int t = 0; t < tokens; t++) {
            double best = 0;
            for (int e = 0; e < experts; e++) {
                double q = p.data()[p.offset() + t * experts + e];
                if (q > 0) entropy -= q * Math.log(q);
                best = Math.max(best, q);
            }
            top += best;
            double lse = RouterZLoss.logSumExp(l.data(), l.offset() + t * experts, experts);
            z += lse * lse;
        }
        return new MoeDiagnostics(kept, routed, dropped, cv, maxOverMean, entropy / tokens, top / tokens, z / tokens);
    }
}
