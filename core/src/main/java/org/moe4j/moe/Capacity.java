package org.moe4j.moe;

import org.moe4j.moe.router.Routing;

/**
 * Expert capacity (docs/routing.md; Fedus et al. 2021, section 2.2): each expert takes at most
 * <pre>
 *   capacity = ceil(capacityFactor * S * k / E)
 * </pre>
 * (token, expert) pairs from each group of S tokens, handed out first come first served in token
 * order, all first choices before any second choice. A dropped pair contributes nothing; the
 * token flows on through the residual path.
 *
 * <p>{@code capacityFactor == 0} means dropless: every pair is computed. A negative, NaN or
 * infinite factor is an error (a negative factor is not a synonym for dropless here, so a sign
 * slip cannot silently switch dropping off).
 */
public record Capacity(double capacityFactor) {

    public Capacity {
        if (!(capacityFactor >= 0) || Double.isInfinite(capacityFactor)) {
            throw new IllegalArgumentException("capacityFactor = " + capacityFactor
                    + " must be 0 (dropless) or finite and > 0 (Switch uses 1.0 to 1.25)");
        }
    }

    public static Capacity dropless() {
        return new Capacity(0);
    }

    /**
     * The factor that gives exactly {@code slots} slots per expert for groups of {@code groupTokens}
     * tokens (for peers that state the capacity itself, like Hugging Face Switch's expert_capacity).
     */
    public static Capacity forSlots(int slots, int groupTokens, int topK, int numExperts) {
        if (slots < 1) {
            throw new IllegalArgumentException("expert capacity = " + slots + " slots must be >= 1");
        }
        // the largest factor whose ceiling still gives `slots`, robust to rounding in the division
        double factor = (double) slots * numExperts / ((double) groupTokens * topK);
        Capacity c = new Capacity(factor);
        while (c.slots(groupTokens, topK, numExperts) > slots) c = new Capacity(Math.nextDown(c.capacityFactor));
        while (c.slots(groupTokens, topK, numExperts) < slots) c = new Capacity(Math.nextUp(c.capacityFactor));
        return c;
    }

    public boolean isDropless() {
        return capacityFactor == 0;
    }

    /** Slots per expert for a group of {@code groupTokens} tokens with k choices each over E experts. */
    public int slots(int groupTokens, int topK, int numExperts) {
        return (int) Math.ceil(capacityFactor * groupTokens * topK / numExperts);
    }

    /**
     * Which pairs keep a slot. Pairs are visited in the routing's slot-major order, so within a
     * group all first choices come before any second choice; {@code groupTokens} consecutive
     * tokens form a group with capacities of their own.
     */
    // keep: (P)
    public boolean[] keep(Routing routing, int groupTokens) {
        int pairs = routing.pairToken().length;
        boolean[] keep = new boolean[pairs];
        if (isDropless() || routing.topK() == 0) {
            java.util.Arrays.fill(keep, true);
            return keep;
        }
        int experts = routing.numExperts();
        int groups = routing.tokens() / groupTokens;
        int slots = slots(groupTokens, routing.topK(), experts);
        int[] used = new int[groups * experts];
        for (int p = 0; p < pairs; p++) {
            int cell = (routing.pairToken()[p] / groupTokens) * experts + routing.pairExpert()[p];
            if (used[cell] < slots) {
                used[cell]++;
                keep[p] = true;
            }
        }
        return keep;
    }
}
