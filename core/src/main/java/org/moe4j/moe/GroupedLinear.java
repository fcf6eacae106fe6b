package org.moe4j.moe;

import java.util.Arrays;
import org.moe4j.kernel.gemm.GroupedGemm;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.Tensor;

/**
 * One {@link StackedLinear} applied to rows grouped by expert with a single grouped GEMM per pass:
 * forward Y_e = X_e W_e^T + b_e, backward dX_e = dY_e W_e, dW_e = dY_e^T X_e, db_e = column sums
 * of dY_e, for every active expert e at once.
 */
final class GroupedLinear {
    private GroupedLinear() {}

    // x: (P, in)   y: (P, out)
    static void forward(StackedLinear map, ExpertGroups groups, float[] x, float[] y) {
        int in = map.inFeatures();
        int out = map.outFeatures();
        int n = groups.active().length;
        if (n == 0) return;
        Tensor w = map.weight().value();
        GroupedGemm.gemm(false, true, groups.activeCounts(), ExpertGroups.filled(n, out), ExpertGroups.filled(n, in), 1f,
                x, groups.rowOffsets(in), in, w.data(), groups.expertOffsets(w.offset(), out * in), in,
                0f, y, groups.rowOffsets(out), out);
        if (map.bias() != null) {
            Tensor b = map.bias().value();
            for (int e : groups.active()) {
                int bo = b.offset() + e * out;
                for (int r = groups.start()[e], end = r + groups.count()[e]; r < end; r++) {
                    int yo = r * out;
                    for (int j = 0; j < out; j++) y[yo + j] += b.data()[bo + j];
                }
            }
        }
    }

    /**
     * Accumulates dW (and db) into the map's parameters and, when {@code dx} is not null, writes
     * (beta = 0) or adds (beta = 1) dX.
     */
    // x: (P, in)   dy: (P, out)   dx: (P, in)
    static void backward(StackedLinear map, ExpertGroups groups, float[] x, float[] dy, float[] dx, float beta) {
        int in = map.inFeatures();
        int out = map.outFeatures();
        int n = groups.active().length;
        int[] m = groups.activeCounts();
        if (dx != null && n > 0) {
            Tensor w = map.weight().value();
            GroupedGemm.gemm(false, false, m, ExpertGroups.filled(n, in), ExpertGroups.filled(n, out), 1f,
                    dy, groups.rowOffsets(out), out, w.data(), groups.expertOffsets(w.offset(), out * in), in,
                    beta, dx, groups.rowOffsets(in), in);
        }
        if (map.weight().requiresGrad()) {
            Tensor dw = map.weight().gradientBuffer();
            // the products overwrite the active experts' blocks; the others are zero (the buffer may
            // hold the previous step's gradient)
            for (int e = 0; e < map.numExperts(); e++) {
                if (groups.count()[e] == 0) Arrays.fill(dw.data(), e * out * in, (e + 1) * out * in, 0f);
            }
            if (n > 0) {
                GroupedGemm.gemm(true, false, ExpertGroups.filled(n, out), ExpertGroups.filled(n, in), m, 1f,
                        dy, groups.rowOffsets(out), out, x, groups.rowOffsets(in), in,
                        0f, dw.data(), groups.expertOffsets(0, out * in), in);
            }
            map.weight().accumulateOwnedGrad(dw);
        }
        if (map.bias() != null && map.bias().requiresGrad()) {
            Tensor db = Tensor.zeros(map.numExperts(), out);
            for (int e : groups.active()) {
                Reductions.columnSums(dy, groups.start()[e] * out, groups.count()[e], out, db.data(), e * out);
            }
            map.bias().accumulateOwnedGrad(db);
        }
    }
}
