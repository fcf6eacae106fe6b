package org.moe4j.moe.hierarchical;

import org.moe4j.moe.DispatchPlan;
import org.moe4j.moe.router.Routing;

import org.moe4j.autograd.Variable;

/**
 * A hierarchical router's decision for T tokens over a groups of b experts.
 *
 * @param primary      the primary router's decision over the a groups (T tokens)
 * @param groupTokens  X^(i): the tokens the primary gate sends to group i, ascending
 * @param secondary    group i's secondary router's decision over its tokens X^(i) (row r is token
 *                     groupTokens[i][r]), or null when no token went to group i
 * @param gates        (P) the gate of every final pair, G_primary(x)_i * G_i(x)_j
 * @param plan         the final (token, expert i * b + j, gate p) pairs, primary slot-major then secondary slot
 * @param groupSize    b, experts per group
 */
public record HierarchicalRouting(Routing primary, int[][] groupTokens, Routing[] secondary, Variable gates,
                                  DispatchPlan plan, int groupSize) {

    public int numGroups() {
        return secondary.length;
    }

    /** a * b. */
    public int numExperts() {
        return numGroups() * groupSize;
    }
}
