package org.moe4j.engine;

/**
 * How a router's logits become the chosen experts and their weights (docs/routing.md).
 *
 * @param rule            the family's rule
 * @param renormalize     divide the chosen weights by their sum (norm_topk_prob)
 * @param scalingFactor   DeepSeek's routed_scaling_factor (1 elsewhere)
 * @param groups          DeepSeek's n_group (1: no groups)
 * @param topGroups       DeepSeek's topk_group: groups a token may use
 * @param routerBias      gpt-oss: the router has a bias
 * @param selectionBias   DeepSeek-V3: e_score_correction_bias, added for the choice only
 */
public record Routing(Rule rule, boolean renormalize, float scalingFactor, int groups, int topGroups, boolean routerBias,
        boolean selectionBias) {

    public enum Rule {
        /** p = softmax(logits); top-k of p (Mixtral, Qwen, OLMoE, DeepSeek-V2 greedy). */
        SOFTMAX_THEN_TOPK,
        /** top-k of the logits, softmax over those k (gpt-oss, GraniteMoE). */
        TOPK_THEN_SOFTMAX,
        /** DeepSeek-V2 group_limited_greedy: softmax; groups ranked by their best score; top-k within the best groups. */
        SOFTMAX_GROUP_LIMITED,
        /** DeepSeek-V3: sigmoid scores; groups ranked by the sum of their top-2 (score + bias); top-k within the best groups by score + bias; weights are the scores. */
        SIGMOID_GROUP_LIMITED
    }

    public static Routing softmaxTopK(boolean renormalize) {
        return new Routing(Rule.SOFTMAX_THEN_TOPK, renormalize, 1f, 1, 1, false, false);
    }

    public static Routing topKSoftmax(boolean routerBias) {
        return new Routing(Rule.TOPK_THEN_SOFTMAX, false, 1f, 1, 1, routerBias, false);
    }
}
