package org.moe4j.moe;

import org.moe4j.tensor.Shape;

/**
 * Which (token, expert) pairs run, after routing and capacity, and where each pair's gate weight
 * sits in the router's gate tensor (flat index). Built once per step; {@link MoeDispatch} groups
 * the pairs by expert with a stable counting sort, so within an expert tokens keep their order.
 */
// pairToken, pairExpert, pairGate: (P)
public record DispatchPlan(int tokens, int numExperts, int[] pairToken, int[] pairExpert, int[] pairGate) {

    public DispatchPlan {
        int p = pairToken.length;
        if (pairExpert.length != p || pairGate.length != p) {
            throw new IllegalArgumentException("DispatchPlan: pair arrays differ in length: token " + p + ", expert "
                    + pairExpert.length + ", gate " + pairGate.length);
        }
        for (int i = 0; i < p; i++) {
            // the message is built only for a bad index: this runs for every pair of every step
            if (pairToken[i] < 0 || pairToken[i] >= tokens) Shape.requireIndex("DispatchPlan", "pair " + i + " token", pairToken[i], tokens);
            if (pairExpert[i] < 0 || pairExpert[i] >= numExperts) {
                Shape.requireIndex("DispatchPlan", "pair " + i + " expert", pairExpert[i], numExperts);
            }
        }
    }

    public int pairs() {
        return pairToken.length;
    }

    /** Pairs per expert. */
    public int[] tokensPerExpert() {
        int[] count = new int[numExperts];
        for (int e : pairExpert) count[e]++;
        return count;
    }

    /** The grouping: per-expert row ranges, and sortedRow -> pair. */
    record Sorted(ExpertGroups groups, int[] pairOfRow) {}

    Sorted sortByExpert() {
        int[] count = tokensPerExpert();
        int[] start = new int[numExperts];
        int active = 0;
        for (int e = 0, s = 0; e < numExperts; e++) {
            start[e] = s;
            s += count[e];
            if (count[e] > 0) active++;
        }
        int[] activeExperts = new int[active];
        for (int e = 0, a = 0; e < numExperts; e++) {
            if (count[e] > 0) activeExperts[a++] = e;
        }
        int[] fill = start.clone();
        int[] pairOfRow = new int[pairs()];
        for (int p = 0; p < pairs(); p++) {
            pairOfRow[fill[pairExpert[p]]++] = p;
        }
        return new Sorted(new ExpertGroups(start, count, activeExperts, pairs()), pairOfRow);
    }
}
