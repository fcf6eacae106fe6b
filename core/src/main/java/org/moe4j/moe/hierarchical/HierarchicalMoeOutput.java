package org.moe4j.moe.hierarchical;

import java.util.Map;
import org.moe4j.autograd.Variable;

/**
 * One forward pass of a {@link HierarchicalMoeLayer}.
 *
 * @param output    same leading shape as the input, last axis the expert output size
 * @param auxLoss   importance * CV^2(Importance_H) + load * CV^2(Load_H), or null when both are off
 * @param lossTerms the terms unweighted, by name: importance, cv_importance, load, cv_load (those switched on);
 *                  importance and load are (a * b) vectors over the (group, expert) pairs
 * @param routing   both levels' decisions and the pairs that ran
 */
public record HierarchicalMoeOutput(Variable output, Variable auxLoss, Map<String, Variable> lossTerms,
                                    HierarchicalRouting routing) {

    /** Pairs each expert i * b + j computed. */
    public int[] tokensPerExpert() {
        return routing.plan().tokensPerExpert();
    }
}
