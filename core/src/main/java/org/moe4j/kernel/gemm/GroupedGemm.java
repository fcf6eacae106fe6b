package org.moe4j.kernel.gemm;

import org.moe4j.kernel.KernelPool;

/**
 * Many independent GEMMs of different sizes in one call, C_g = alpha * op(A_g) * op(B_g) + beta * C_g
 * for every group g: the heart of MoE execution, where group g is expert g and its rows are the
 * tokens routed to it. Forward: X_g (rows_g x d) . W_g^T with W_g stored [out, in]; backward: dX_g =
 * dY_g . W_g and dW_g = dY_g^T . X_g, whose depth k is the group's row count.
 * <p>
 * All groups share the transposes, alpha, beta and the leading dimensions; sizes and offsets are per
 * group. The work is cut into rectangles across all groups at once, in proportion to each group's
 * size, and handed out largest first on the {@link KernelPool}, so eight experts of uneven load keep
 * every thread busy. Each element of C_g comes out bit-identical to a separate {@link Gemm#gemm} call.
 * The C regions of different groups must not overlap (the groups run concurrently).
 */
public final class GroupedGemm {
    private GroupedGemm() {}

    // for each g: op(A_g) is m[g] x k[g] at a + aOff[g], op(B_g) is k[g] x n[g] at b + bOff[g],
    // C_g is m[g] x n[g] at c + cOff[g]
    public static void gemm(boolean transA, boolean transB, int[] m, int[] n, int[] k, float alpha,
                            float[] a, int[] aOff, int lda, float[] b, int[] bOff, int ldb,
                            float beta, float[] c, int[] cOff, int ldc) {
        int groups = m.length;
        if (n.length != groups || k.length != groups || aOff.length != groups || bOff.length != groups
                || cOff.length != groups) {
            throw new IllegalArgumentException("groupedGemm: per-group arrays must have one entry per group, got m "
                    + m.length + ", n " + n.length + ", k " + k.length + ", aOff " + aOff.length + ", bOff "
                    + bOff.length + ", cOff " + cOff.length);
        }
        GemmCall[] calls = new GemmCall[groups];
        for (int g = 0; g < groups; g++) {
            calls[g] = new GemmCall(transA, transB, m[g], n[g], k[g], alpha, a, aOff[g], lda, b, bOff[g], ldb,
                    beta, c, cOff[g], ldc);
            calls[g].check("groupedGemm group " + g);
        }
        GemmSchedule.run(calls);
    }
}
