package org.moe4j.engine;

/**
 * A token's choice of experts from its router logits, by the family's rule (see {@link Routing}).
 * Ties go to the lower expert index, as torch.topk's do on CPU for distinct values.
 */
final class Router {
    private final Routing routing;
    private final int E;
    private final float[] scores;
    private final float[] choice;
    private final float[] masked;
    private final float[] groupScore;
    private final int[] bestGroups;

    Router(Routing routing, int numExperts) {
        this.routing = routing;
        this.E = numExperts;
        this.scores = new float[numExperts];
        this.choice = new float[numExperts];
        this.masked = new float[numExperts];
        this.groupScore = new float[Math.max(1, routing.groups())];
        this.bestGroups = new int[Math.max(1, routing.topGroups())];
    }

    /**
     * Fills experts[0..k) and weights[0..k) for one token, experts in the order the rule ranks them.
     * logits: (E) with the router bias already added; selectionBias may be null.
     */
    void choose(float[] logits, int off, int k, float[] selectionBias, int[] experts, float[] weights, int outOff) {
        Routing r = routing;
        switch (r.rule()) {
            case SOFTMAX_THEN_TOPK, SOFTMAX_GROUP_LIMITED -> {
                softmax(logits, off, E, scores);
                float[] ranked = scores;
                if (r.rule() == Routing.Rule.SOFTMAX_GROUP_LIMITED) {
                    ranked = maskGroups(scores, r.groups(), r.topGroups(), false, 0f);
                }
                topK(ranked, E, k, experts, outOff);
                for (int i = 0; i < k; i++) weights[outOff + i] = scores[experts[outOff + i]];
                if (r.renormalize()) {
                    float sum = 0;
                    for (int i = 0; i < k; i++) sum += weights[outOff + i];
                    for (int i = 0; i < k; i++) weights[outOff + i] /= sum;
                }
            }
            case TOPK_THEN_SOFTMAX -> {
                System.arraycopy(logits, off, scores, 0, E);
                topK(scores, E, k, experts, outOff);
                float max = scores[experts[outOff]];
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    weights[outOff + i] = (float) Math.exp(scores[experts[outOff + i]] - max);
                    sum += weights[outOff + i];
                }
                for (int i = 0; i < k; i++) weights[outOff + i] /= sum;
            }
            case SIGMOID_GROUP_LIMITED -> {
                for (int e = 0; e < E; e++) {
                    scores[e] = Ops.sigmoid(logits[off + e]);
                    choice[e] = scores[e] + (selectionBias == null ? 0f : selectionBias[e]);
                }
                topK(maskGroups(choice, r.groups(), r.topGroups(), true, Float.NEGATIVE_INFINITY), E, k, experts, outOff);
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    weights[outOff + i] = scores[experts[outOff + i]];
                    sum += weights[outOff + i];
                }
                if (r.renormalize()) {
                    for (int i = 0; i < k; i++) weights[outOff + i] /= (sum + 1e-20f);
                }
            }
        }
        if (r.scalingFactor() != 1f) {
            for (int i = 0; i < k; i++) weights[outOff + i] *= r.scalingFactor();
        }
    }

    /**
     * Keeps the scores of the topGroups best groups (E / groups consecutive experts each) and sets the
     * others to {@code masked}. A group's rank is its best score, or the sum of its best two (sumTopTwo).
     */
    private float[] maskGroups(float[] scores, int groups, int topGroups, boolean sumTopTwo, float maskValue) {
        if (groups <= 1) return scores;
        int size = E / groups;
        for (int g = 0; g < groups; g++) {
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int e = g * size; e < (g + 1) * size; e++) {
                float s = scores[e];
                if (s > first) {
                    second = first;
                    first = s;
                } else if (s > second) {
                    second = s;
                }
            }
            groupScore[g] = sumTopTwo ? first + second : first;
        }
        topK(groupScore, groups, topGroups, bestGroups, 0);
        java.util.Arrays.fill(masked, maskValue);
        for (int g : bestGroups) System.arraycopy(scores, g * size, masked, g * size, size);
        return masked;
    }

    static void softmax(float[] x, int off, int n, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        float sum = 0;
        for (int i = 0; i < n; i++) {
            out[i] = (float) Math.exp(x[off + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) out[i] /= sum;
    }

    /** Indices of the k largest of x[0..n), largest first; the lower index first among equals. */
    static void topK(float[] x, int n, int k, int[] out, int outOff) {
        for (int i = 0; i < k; i++) {
            int best = -1;
            for (int e = 0; e < n; e++) {
                boolean taken = false;
                for (int j = 0; j < i; j++) {
                    if (out[outOff + j] == e) {
                        taken = true;
                        break;
                    }
                }
                if (!taken && (best < 0 || x[e] > x[best])) best = e;
            }
            out[outOff + i] = best;
        }
    }
}
