package org.moe4j.moe.hierarchical;

import org.moe4j.moe.DispatchPlan;
import org.moe4j.moe.router.NoisyTopKRouter;
import org.moe4j.moe.router.Router;
import org.moe4j.moe.router.Routing;
import org.moe4j.moe.router.SoftmaxTopKRouter;
import org.moe4j.moe.router.TopKGating;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.EmbeddingLookup;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.nn.ModuleList;
import org.moe4j.tensor.Rng;

/**
 * Hierarchical gating (Shazeer et al. 2017, appendix B; docs/routing.md): a groups of b experts. A
 * primary router (module {@code primary}) picks k_1 groups per token; the secondary router of
 * each chosen group (module {@code secondary.i}) picks k_2 experts inside it, routing only the
 * tokens X^(i) the primary gate sent there. Expert j of group i has flat index i * b + j and the
 * gate
 * <pre>
 *   g(x)_{i,j} = G_primary(x)_i * G_i(x)_j,     y = sum_i sum_j g(x)_{i,j} E_{i,j}(x)
 * </pre>
 * so every token ends with k_1 * k_2 (token, expert, gate) pairs, executed by {@link MoeDispatch}
 * like a flat router's. Both levels are token-choice routers (softmax top-k or noisy top-k).
 */
public final class HierarchicalRouter extends Module {
    private final Router primary;
    private final ModuleList<Module> secondaryModules;
    private final Router[] secondary;
    private final int groupSize;

    /**
     * @param primary     a token-choice router over the a groups
     * @param secondaries a token-choice routers, one per group, each over the same b experts
     */
    public <P extends Module & Router, S extends Module & Router> HierarchicalRouter(P primary, List<S> secondaries) {
        int groups = primary.numExperts();
        if (groups < 1) {
            throw new IllegalArgumentException("hierarchical router: a = " + groups + " groups must be >= 1");
        }
        if (secondaries.size() != groups) {
            throw new IllegalArgumentException("hierarchical router: the primary router picks among a = " + groups
                    + " groups but there are " + secondaries.size() + " secondary routers (need one per group)");
        }
        int b = secondaries.getFirst().numExperts();
        for (int i = 0; i < groups; i++) {
            if (secondaries.get(i).numExperts() != b) {
                throw new IllegalArgumentException("hierarchical router: secondary router " + i + " has "
                        + secondaries.get(i).numExperts() + " experts but secondary router 0 has b = " + b
                        + "; every group must hold the same number of experts");
            }
        }
        if (primary.looksAcrossTokens() || secondaries.stream().anyMatch(Router::looksAcrossTokens)) {
            throw new IllegalArgumentException("hierarchical router: both levels must be token-choice routers"
                    + " (softmax or noisy top-k); expert choice has no per-token choice to nest");
        }
        this.primary = addModule("primary", primary);
        this.secondaryModules = addModule("secondary", new ModuleList<>());
        this.secondary = new Router[groups];
        for (int i = 0; i < groups; i++) {
            secondaryModules.add(secondaries.get(i));
            secondary[i] = secondaries.get(i);
        }
        this.groupSize = b;
    }

    /** Choices per token at each level when not given: k = 2, as in the paper. */
    public static final int DEFAULT_TOP_K = 2;

    /** Softmax top-2 at both levels. */
    public static HierarchicalRouter softmax(int dModel, int groups, int groupSize, Rng rng) {
        return softmax(dModel, groups, groupSize, DEFAULT_TOP_K, DEFAULT_TOP_K, rng);
    }

    /** Noisy top-2 at both levels, as in the paper. */
    public static HierarchicalRouter noisy(int dModel, int groups, int groupSize, float noiseEpsilon) {
        return noisy(dModel, groups, groupSize, DEFAULT_TOP_K, DEFAULT_TOP_K, noiseEpsilon);
    }

    /**
     * Softmax top-k at both levels (Mixtral's gating: softmax, top-k, renormalise), k_1 groups of
     * a and k_2 experts of b per token.
     */
    public static HierarchicalRouter softmax(int dModel, int groups, int groupSize, int primaryTopK, int secondaryTopK,
                                             Rng rng) {
        requireShape(groups, groupSize, primaryTopK, secondaryTopK);
        SoftmaxTopKRouter top = new SoftmaxTopKRouter(dModel, groups, TopKGating.mixtral(primaryTopK), 0f, rng);
        List<SoftmaxTopKRouter> inner = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            inner.add(new SoftmaxTopKRouter(dModel, groupSize, TopKGating.mixtral(secondaryTopK), 0f, rng));
        }
        return new HierarchicalRouter(top, inner);
    }

    /**
     * Noisy top-k at both levels as in the paper (zero-initialised weights, learned noise, softmax
     * over the chosen, smooth-load thresholds from the noisy logits).
     */
    public static HierarchicalRouter noisy(int dModel, int groups, int groupSize, int primaryTopK, int secondaryTopK,
                                           float noiseEpsilon) {
        requireShape(groups, groupSize, primaryTopK, secondaryTopK);
        NoisyTopKRouter top = new NoisyTopKRouter(dModel, groups, paperGating(primaryTopK), noiseEpsilon,
                NoisyTopKRouter.ThresholdSource.NOISY_LOGITS);
        List<NoisyTopKRouter> inner = new ArrayList<>();
        for (int i = 0; i < groups; i++) {
            inner.add(new NoisyTopKRouter(dModel, groupSize, paperGating(secondaryTopK), noiseEpsilon,
                    NoisyTopKRouter.ThresholdSource.NOISY_LOGITS));
        }
        return new HierarchicalRouter(top, inner);
    }

    private static TopKGating paperGating(int k) {
        return new TopKGating(k, TopKGating.Order.TOPK_THEN_SOFTMAX, true, 0f, 1f);
    }

    private static void requireShape(int groups, int groupSize, int primaryTopK, int secondaryTopK) {
        if (groups < 1 || groupSize < 1) {
            throw new IllegalArgumentException("hierarchical router: a = " + groups + " groups of b = " + groupSize
                    + " experts; both must be >= 1");
        }
        if (primaryTopK < 1 || primaryTopK > groups) {
            throw new IllegalArgumentException("hierarchical router: primary k = " + primaryTopK + " must be in [1, "
                    + groups + "] (a, the number of groups)");
        }
        if (secondaryTopK < 1 || secondaryTopK > groupSize) {
            throw new IllegalArgumentException("hierarchical router: secondary k = " + secondaryTopK + " must be in [1, "
                    + groupSize + "] (b, experts per group)");
        }
    }

    public Router primary() {
        return primary;
    }

    public Router secondary(int group) {
        return secondary[group];
    }

    public int numGroups() {
        return secondary.length;
    }

    public int groupSize() {
        return groupSize;
    }

    /** a * b. */
    public int numExperts() {
        return secondary.length * groupSize;
    }

    // x: (T, d)
    public HierarchicalRouting route(Variable x, boolean training, Rng rng) {
        int tokens = x.value().dim(0);
        int groups = secondary.length;
        Routing top = primary.route(x, training, rng);
        int k1 = top.topK();

        // X^(i) in ascending token order, and each (token, group)'s row in it
        int[] count = new int[groups];
        for (int g : top.expertIndex()) count[g]++;
        int[][] groupTokens = new int[groups][];
        for (int i = 0; i < groups; i++) groupTokens[i] = new int[count[i]];
        int[] fill = new int[groups];
        int[] localRow = new int[tokens * k1];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k1; j++) {
                int g = top.expertIndex()[t * k1 + j];
                localRow[t * k1 + j] = fill[g];
                groupTokens[g][fill[g]++] = t;
            }
        }
        Routing[] inner = new Routing[groups];
        Variable[] innerGates = new Variable[groups];
        for (int i = 0; i < groups; i++) {
            if (count[i] == 0) continue;
            inner[i] = secondary[i].route(EmbeddingLookup.apply(x, groupTokens[i]), training, rng);
            innerGates[i] = inner[i].gates();
        }

        int pairs = 0;
        for (int g : top.pairExpert()) pairs += inner[g].topK();
        int[] pairToken = new int[pairs];
        int[] pairExpert = new int[pairs];
        int[] pairGate = new int[pairs];
        int[] primaryIndex = new int[pairs];
        int[] group = new int[pairs];
        int[] secondaryIndex = new int[pairs];
        for (int p1 = 0, p = 0; p1 < top.pairToken().length; p1++) {
            int t = top.pairToken()[p1];
            int g = top.pairExpert()[p1];
            int k2 = inner[g].topK();
            int row = localRow[top.pairGate()[p1]];
            for (int j = 0; j < k2; j++, p++) {
                pairToken[p] = t;
                pairExpert[p] = g * groupSize + inner[g].expertIndex()[row * k2 + j];
                pairGate[p] = p;
                primaryIndex[p] = top.pairGate()[p1];
                group[p] = g;
                secondaryIndex[p] = row * k2 + j;
            }
        }
        Variable gates = GateProduct.apply(top.gates(), primaryIndex, innerGates, group, secondaryIndex);
        DispatchPlan plan = new DispatchPlan(tokens, numExperts(), pairToken, pairExpert, pairGate);
        return new HierarchicalRouting(top, groupTokens, inner, gates, plan, groupSize);
    }
}
