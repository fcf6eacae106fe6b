package org.moe4j.moe;

import org.moe4j.autograd.Variable;

/**
 * How a MoE layer runs when the tokens of one batch, and possibly its experts, are spread over
 * several ranks (org.moe4j.parallel provides it; the layer itself knows nothing of transports).
 * Every rank of a group calls both methods in the same order, once per layer and pass, so the
 * collectives behind them stay aligned.
 */
public interface ExpertParallelism {
    /**
     * The layer's routed output y_t = sum over kept pairs (t, e) of g_te expert_e(x_t), the same
     * function as {@link MoeDispatch#apply}, computed wherever the experts live.
     */
    // x: (T, in)   gates: indexed flat by plan.pairGate   y: (T, out)
    Variable dispatch(Variable x, Variable gates, DispatchPlan plan, Experts experts);

    /**
     * The element-wise sum of {@code values} over every rank that holds other tokens of the same
     * global batch: routed pairs per expert for the load-balancing loss and the router's bias.
     */
    double[] sumOverBatch(double[] values);
}
