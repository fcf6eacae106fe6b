package org.moe4j.moe;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.GatherScatter;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Dispatch, experts and combine as one differentiable operation (docs/routing.md; Fedus et al. 2021):
 * <pre>
 *   y_t = sum over kept pairs p = (t, e) of g_p * expert_e(x_t)
 * </pre>
 * Forward: count pairs per expert, sort them by expert, gather their rows, run every expert
 * projection as one grouped GEMM over the active experts, and scatter-add the gate-weighted
 * outputs back to their tokens. Backward, by hand:
 * <pre>
 *   dg_p = &lt;dy_t, expert_e(x_t)&gt;     d expert_e(x_t) = g_p dy_t     dx_t = sum_p d(expert input)_p
 * </pre>
 * so the router gets its gradient through the gate weights and the experts through their outputs.
 * A token with no kept pair gets y_t = 0 (its residual path carries it on).
 */
public final class MoeDispatch {
    private static final int TOKEN_BLOCK = 64;

    private MoeDispatch() {}

    // x: (T, in)   gates: any shape holding the gate weights, indexed flat by plan.pairGate   y: (T, out)
    public static Variable apply(Variable x, Variable gates, DispatchPlan plan, Experts experts) {
        Tensor xv = x.value();
        Shape.requireRank("moe dispatch", "x", xv.shape(), 2);
        int tokens = xv.dim(0);
        int in = xv.dim(1);
        int out = experts.outputSize();
        if (in != experts.inputSize() || tokens != plan.tokens() || experts.numExperts() != plan.numExperts()) {
            throw new IllegalArgumentException("moe dispatch: input " + Shape.str(xv.shape()) + " and a plan for "
                    + plan.tokens() + " tokens over " + plan.numExperts() + " experts do not fit experts of input size "
                    + experts.inputSize() + " over " + experts.numExperts() + " experts");
        }
        Tensor gv = gates.value();
        for (int p = 0; p < plan.pairs(); p++) {
            int gi = plan.pairGate()[p];
            if (gi < 0 || gi >= gv.size()) Shape.requireIndex("moe dispatch", "gate index of pair " + p, gi, gv.size());
        }
        DispatchPlan.Sorted sorted = plan.sortByExpert();
        ExpertGroups groups = sorted.groups();
        int[] pairOfRow = sorted.pairOfRow();
        int rows = groups.rows();
        int[] rowToken = new int[rows];
        float[] rowGate = new float[rows];
        for (int r = 0; r < rows; r++) {
            int p = pairOfRow[r];
            rowToken[r] = plan.pairToken()[p];
            rowGate[r] = gv.data()[gv.offset() + plan.pairGate()[p]];
        }
        TokenRows tokenRows = TokenRows.of(rowToken, tokens);

        // xs: (P, in) gathered rows (every row written); the scratch arrays go back when the backward is done
        ScratchArrays scratch = experts.scratch();
        float[] xs = scratch.take(rows * in);
        float[] xd = xv.data();
        int x0 = xv.offset();
        KernelPool.parallelFor(blocks(rows), b -> {
            for (int r = b * TOKEN_BLOCK, end = Math.min(rows, r + TOKEN_BLOCK); r < end; r++) {
                System.arraycopy(xd, x0 + rowToken[r] * in, xs, r * in, in);
            }
        });
        Experts.Pass pass = experts.forward(xs, groups);
        float[] ys = pass.output();

        // y: (T, out) the gate-weighted sum of each token's rows (every row written, a token with none
        // zero), parallel over tokens so no two threads write one row; its array goes back with the others
        // after the backward, when the readers of y (consumers, whose backwards run first) are done
        float[] yd = scratch.take(tokens * out);
        Tensor y = Tensor.of(yd, tokens, out);
        KernelPool.parallelFor(blocks(tokens), b -> GatherScatter.combineRows(ys, 0, rows, out, rowGate,
                tokenRows.start(), tokenRows.rows(), b * TOKEN_BLOCK, Math.min(tokens, (b + 1) * TOKEN_BLOCK), yd, 0));

        List<Variable> inputs = new ArrayList<>(List.of(x, gates));
        inputs.addAll(experts.parameters());
        Variable result = Variable.result("moe_dispatch", y, dy -> {
            float[] dyd = dy.data();
            int dy0 = dy.offset();
            // dys: (P, out) = g_p dy_t      dGate_p = <dy_t, ys_p>
            float[] dys = scratch.take(rows * out);
            Tensor dGates = Tensor.zeros(gv.shape());
            float[] dRowGate = new float[rows];
            KernelPool.parallelFor(blocks(rows), b -> {
                for (int r = b * TOKEN_BLOCK, end = Math.min(rows, r + TOKEN_BLOCK); r < end; r++) {
                    int src = dy0 + rowToken[r] * out;
                    float g = rowGate[r];
                    for (int j = 0; j < out; j++) dys[r * out + j] = g * dyd[src + j];
                    dRowGate[r] = Reductions.dot(dyd, src, ys, r * out, out);
                }
            });
            for (int r = 0; r < rows; r++) {
                dGates.data()[plan.pairGate()[pairOfRow[r]]] += dRowGate[r];
            }
            float[] dxs = experts.backward(pass, xs, groups, dys, x.requiresGrad());
            if (x.requiresGrad()) {
                // every row written (zero for a token with no kept pair)
                Tensor dx = Tensor.of(Variable.gradientArray(tokens * in), tokens, in);
                float[] dxd = dx.data();
                KernelPool.parallelFor(blocks(tokens), b -> GatherScatter.combineRows(dxs, 0, rows, in, null,
                        tokenRows.start(), tokenRows.rows(), b * TOKEN_BLOCK, Math.min(tokens, (b + 1) * TOKEN_BLOCK), dxd, 0));
                x.accumulateOwnedGrad(dx);
            }
            gates.accumulateGrad(dGates);
            scratch.give(xs, dys, dxs, yd);
            experts.release(pass);
        }, inputs.toArray(Variable[]::new));
        if (!result.requiresGrad()) {
            // nothing recorded: no backward will read the pass
            scratch.give(xs);
            experts.release(pass);
        }
        return result;
    }

    private static int blocks(int n) {
        return (n + TOKEN_BLOCK - 1) / TOKEN_BLOCK;
    }

    /** For every token, the sorted rows that belong to it (compressed rows, in row order). */
    private record TokenRows(int[] start, int[] rows) {
        static TokenRows of(int[] rowToken, int tokens) {
            int[] start = new int[tokens + 1];
            for (int t : rowToken) start[t + 1]++;
            for (int t = 0; t < tokens; t++) start[t + 1] += start[t];
            int[] fill = java.util.Arrays.copyOf(start, tokens);
            int[] rows = new int[rowToken.length];
            for (int r = 0; r < rowToken.length; r++) rows[fill[rowToken[r]]++] = r;
            return new TokenRows(start, rows);
        }
    }
}
