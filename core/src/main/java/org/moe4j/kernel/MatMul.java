package org.moe4j.kernel;

import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * {@link Gemm} on tensors: each tensor is read as the matrix [rows, last dimension], so a Linear layer
 * multiplies x (B, T, in) by its weight W (out, in) as matmul(x, false, W, true) and gets (B, T, out).
 * Shape errors name the operation, both shapes and the transposes.
 */
public final class MatMul {
    private MatMul() {}

    /**
     * op(a) . op(b) as a new tensor: a's leading dimensions with the last one replaced by N;
     * [M, N] if transA or a has rank < 2.
     */
    // a: (..., K) or (K, M) if transA   b: (K, N) or (N, K) if transB   result: (..., N) or (M, N)
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        int[] shape;
        int n = transB ? b.rows() : b.cols();
        if (transA || a.rank() < 2) {
            shape = new int[] {transA ? a.cols() : a.rows(), n};
        } else {
            shape = a.shape();
            shape[shape.length - 1] = n;
        }
        Tensor out = Tensor.zeros(shape);
        into(a, transA, b, transB, 1f, 0f, out);
        return out;
    }

    /** out = alpha * op(a) . op(b) + beta * out (beta = 0 overwrites out, NaN included). */
    public static void into(Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta, Tensor out) {
        int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        if (k != kb) {
            throw new IllegalArgumentException("matmul: " + describe("A", a, transA) + " times " + describe("B", b, transB)
                    + ": inner dimensions " + k + " and " + kb + " must be equal");
        }
        if (out.rows() != m || out.cols() != n) {
            throw new IllegalArgumentException("matmul: " + describe("A", a, transA) + " times " + describe("B", b, transB)
                    + " is [" + m + ", " + n + "], the output has shape " + Shape.str(out.shape()));
        }
        Gemm.gemm(transA, transB, m, n, k, alpha, a.data(), a.offset(), Math.max(1, a.cols()),
                b.data(), b.offset(), Math.max(1, b.cols()), beta, out.data(), out.offset(), Math.max(1, n));
    }

    private static String describe(String name, Tensor t, boolean transposed) {
        return name + (transposed ? "^T" : "") + " " + Shape.str(t.shape());
    }
}
