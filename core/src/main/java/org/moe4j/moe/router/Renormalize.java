package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Renormalises each row of chosen scores: w_j = v_j / (sum_i v_i + eps) (Mixtral with eps = 0,
 * davidmrau/mixture-of-experts with eps = 1e-6). With S = sum_i v_i + eps, backward:
 * dv_j = dw_j / S - (sum_i dw_i v_i) / S^2.
 */
public final class Renormalize {
    private Renormalize() {}

    // v: (T, k)   w: (T, k)
    public static Variable apply(Variable v, float eps) {
        Tensor vv = v.value();
        Shape.requireRank("renormalize", "scores", vv.shape(), 2);
        int rows = vv.dim(0);
        int k = vv.dim(1);
        float[] vd = vv.data();
        int v0 = vv.offset();
        Tensor w = Tensor.zeros(rows, k);
        float[] denominators = new float[rows];
        for (int t = 0; t < rows; t++) {
            float s = 0f;
            for (int j = 0; j < k; j++) s += vd[v0 + t * k + j];
            s += eps;
            denominators[t] = s;
            for (int j = 0; j < k; j++) w.data()[t * k + j] = vd[v0 + t * k + j] / s;
        }
        return Variable.result("renormalize", w, dw -> {
            Tensor dv = Tensor.zeros(rows, k);
            float[] g = dw.data();
            int g0 = dw.offset();
            for (int t = 0; t < rows; t++) {
                double s = denominators[t];
                double dot = 0;
                for (int j = 0; j < k; j++) dot += (double) g[g0 + t * k + j] * vd[v0 + t * k + j];
                for (int j = 0; j < k; j++) {
                    dv.data()[t * k + j] = (float) (g[g0 + t * k + j] / s - dot / (s * s));
                }
            }
            v.accumulateGrad(dv);
        }, v);
    }
}
