package org.moe4j.kernel.gemm;

/** Argument checks shared by the GEMM family: sizes, leading dimensions and array bounds. */
final class GemmChecks {
    private GemmChecks() {}

    static void check(String op, boolean transA, boolean transB, int M, int N, int K,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                      float[] c, int cOff, int ldc) {
        if (M < 0 || N < 0 || K < 0) {
            throw new IllegalArgumentException(op + ": sizes M=" + M + " N=" + N + " K=" + K + " must all be >= 0");
        }
        // op(A) is M x K: stored rows x cols
        matrix(op, "A", a, aOff, lda, transA ? K : M, transA ? M : K);
        matrix(op, "B", b, bOff, ldb, transB ? N : K, transB ? K : N);
        matrix(op, "C", c, cOff, ldc, M, N);
    }

    static void matrix(String op, String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": leading dimension of " + name + " is " + ld
                    + ", must be >= its " + cols + " columns (and >= 1)");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = (long) off + (long) (rows - 1) * ld + cols;
        if (off < 0 || last > x.length) {
            throw new IndexOutOfBoundsException(op + ": " + name + " [" + rows + " x " + cols + "] with leading dimension "
                    + ld + " at offset " + off + " needs " + last + " floats, the array has " + x.length);
        }
    }
}
