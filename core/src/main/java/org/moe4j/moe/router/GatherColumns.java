package org.moe4j.moe.router;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * out[t, j] = in[t, index[t, j]]: picks each token's chosen experts' scores. Backward scatters
 * dOut back to the chosen columns (zero elsewhere).
 */
public final class GatherColumns {
    private GatherColumns() {}

    // in: (T, E)   index: (T, k)   out: (T, k)
    public static Variable apply(Variable in, int[] index, int k) {
        Tensor v = in.value();
        Shape.requireRank("gather columns", "input", v.shape(), 2);
        int rows = v.dim(0);
        int cols = v.dim(1);
        if (index.length != rows * k) {
            throw new IllegalArgumentException("gather columns: " + index.length + " indices for " + rows + " rows of k = " + k);
        }
        Tensor out = Tensor.zeros(rows, k);
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < k; j++) {
                int c = index[t * k + j];
                Shape.requireIndex("gather columns", "index", c, cols);
                out.data()[t * k + j] = v.data()[v.offset() + t * cols + c];
            }
        }
        return Variable.result("gather_columns", out, dOut -> {
            Tensor dIn = Tensor.zeros(rows, cols);
            for (int t = 0; t < rows; t++) {
                for (int j = 0; j < k; j++) {
                    dIn.data()[t * cols + index[t * k + j]] += dOut.data()[dOut.offset() + t * k + j];
                }
            }
            in.accumulateGrad(dIn);
        }, in);
    }
}
