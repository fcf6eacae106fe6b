package org.moe4j.moe;

import org.moe4j.moe.router.Routing;

import java.util.Map;
import org.moe4j.autograd.Variable;

/**
 * One forward pass of a {@link MoeLayer}.
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
public record MoeOutput(Variable output, Variable auxLoss, Map<String, Variable> lossTerms, Routing routing,
                        boolean[] keep, DispatchPlan plan, MoeDiagnostics diagnostics) {}
