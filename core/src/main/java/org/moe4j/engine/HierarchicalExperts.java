package org.moe4j.engine;

import java.util.Arrays;
import org.moe4j.engine.ModelConfig.ExpertActivation;
import org.moe4j.engine.ModelConfig.HierarchicalMoe;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.Workspace.IntBuffer;

/**
 * A hierarchical mixture of experts (Shazeer et al. 2017, appendix B): a groups of b experts, expert
 * j of group i at flat index i b + j,
 * <pre>
 *   y = sum over the k1 chosen groups i, and the k2 experts j group i's router chooses, of
 *       G(x)_i * G_i(x)_j * E_{i b + j}(x)
 * </pre>
 * The group router runs over every token; the tokens are then grouped by chosen group (X^(i)) and
 * each group's router runs once over its rows. The k1 k2 (token, expert) pairs of every token go
 * through the same expert dispatch as a flat mixture ({@link Experts#dispatch}).
 */
final class HierarchicalExperts implements FeedForward {
    private final int layer;
    private final int hidden;
    private final HierarchicalMoe spec;
    private final ModelWeights.HierarchicalWeights weights;
    private final Router groupRouter;
    private final Router expertRouter;
    /** This rank's range of the experts when a group of ranks serves the model ({@link DecoderModel#splitExpertsOver}), else null. */
    ExpertShard shard;

    HierarchicalExperts(int layer, int hidden, HierarchicalMoe spec, ModelWeights.HierarchicalWeights weights) {
        this.layer = layer;
        this.hidden = hidden;
        this.spec = spec;
        this.weights = weights;
        this.groupRouter = new Router(spec.routing(), spec.groups());
        this.expertRouter = new Router(spec.routing(), spec.groupSize());
    }

    // x: (T, H) normed input   out: (T, H)
    @Override
    public void forward(float[] x, int T, float[] out, ForwardObserver observer, Workspace ws) {
        int a = spec.groups();
        int b = spec.groupSize();
        int k1 = spec.groupTopK();
        int k2 = spec.expertTopK();
        int k = k1 * k2;
        // the group router: logits (T, a); groups, groupWeights: (T, k1)
        float[] groupLogits = ws.floats(Buffer.ROUTER_LOGITS, T * a);
        Ops.linear(x, T, weights.groupRouter(), null, groupLogits);
        observer.routerLogits(layer, groupLogits, T, a);
        int[] groups = ws.ints(IntBuffer.GROUP_CHOSEN, T * k1);
        float[] groupWeights = ws.floats(Buffer.GROUP_WEIGHTS, T * k1);
        for (int t = 0; t < T; t++) groupRouter.choose(groupLogits, t * a, k1, null, groups, groupWeights, t * k1);

        // X^(i): the (token, group slot) pairs by group, tokens in order within a group (counting sort)
        int[] count = ws.ints(IntBuffer.GROUP_COUNT, a + 1);
        Arrays.fill(count, 0, a + 1, 0);
        for (int i = 0; i < T * k1; i++) count[groups[i] + 1]++;
        for (int g = 0; g < a; g++) count[g + 1] += count[g];
        int[] order = ws.ints(IntBuffer.GROUP_ORDER, T * k1);
        int[] fill = ws.ints(IntBuffer.GROUP_FILL, a);
        System.arraycopy(count, 0, fill, 0, a);
        for (int i = 0; i < T * k1; i++) order[fill[groups[i]]++] = i;

        // each group's router over its rows; pair (t, slot s1, choice s2) lands at t k + s1 k2 + s2 of experts, pairWeights: (T, k)
        int[] experts = ws.ints(IntBuffer.CHOSEN, T * k);
        float[] pairWeights = ws.floats(Buffer.ROUTING_WEIGHTS, T * k);
        for (int g = 0; g < a; g++) {
            int n = count[g + 1] - count[g];
            if (n == 0) continue;
            // xg: (n, H)   logits: (n, b)
            float[] xg = ws.floats(Buffer.GROUP_IN, n * hidden);
            for (int j = 0; j < n; j++) {
                int token = order[count[g] + j] / k1;
                System.arraycopy(x, token * hidden, xg, j * hidden, hidden);
            }
            float[] logits = ws.floats(Buffer.GROUP_EXPERT_LOGITS, n * b);
            Ops.linear(xg, n, weights.expertRouters()[g], null, logits);
            for (int j = 0; j < n; j++) {
                int slot = order[count[g] + j];
                int at = (slot / k1) * k + (slot % k1) * k2;
                expertRouter.choose(logits, j * b, k2, null, experts, pairWeights, at);
                for (int s = at; s < at + k2; s++) {
                    experts[s] += g * b;
                    pairWeights[s] *= groupWeights[slot];
                }
            }
        }
        observer.routing(layer, experts, pairWeights, T, k);
        Experts.dispatch(x, T, hidden, experts, pairWeights, k, weights.experts(), ExpertActivation.SWIGLU, out, ws, shard);
    }
}
