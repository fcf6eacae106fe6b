package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of op(A) and op(B) into the order the micro-kernel reads them (Goto and van de Geijn
 * 2008, section 5): A in panels of MR rows, each panel kc steps of MR contiguous values; B in panels
 * of NR columns, each kc steps of NR contiguous values. Packing is where the transposes disappear:
 * op(X) = X or X^T only changes the source index, and ragged edges are padded with zeros so the
 * micro-kernel always runs full tiles. Alpha is folded into A here, once per element.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * dst[(panel * kc + p) * mr + r] = alpha * op(A)[i0 + panel * mr + r][p0 + p] for rows i0 to
     * i0 + mc and steps p0 to p0 + kc, in panels of the register tile's mr rows; op(A)[i][p] is a[aOff + i*lda + p], or a[aOff + p*lda + i] if transA.
     * Full panels are written in the order that reads A along its rows: for op(A) = A, step by step
     * from the mr rows of a panel, each step's mr values together; for op(A) = A^T, one stored row
     * (one step p) across all panels, so each cache line of A is read once rather than once per
     * panel. A JFR profile of training put packing at a fifth of the step before this order.
     */
    static void packA(int mr, boolean transA, float[] a, int aOff, int lda, float alpha,
                      int i0, int mc, int p0, int kc, float[] dst) {
        int full = mc / mr;
        if (transA) {
            for (int p = 0; p < kc; p++) {
                int src = aOff + (p0 + p) * lda + i0;
                for (int panel = 0, d = p * mr; panel < full; panel++, d += kc * mr, src += mr) {
                    for (int r = 0; r < mr; r++) {
                        dst[d + r] = alpha * a[src + r];
                    }
                }
            }
        } else {
            for (int panel = 0; panel < full; panel++) {
                int src = aOff + (i0 + panel * mr) * lda + p0;
                for (int p = 0, d = panel * kc * mr; p < kc; p++, d += mr) {
                    for (int r = 0; r < mr; r++) {
                        dst[d + r] = alpha * a[src + r * lda + p];
                    }
                }
            }
        }
        if (full * mr < mc) {
            packEdgePanel(mr, transA, a, aOff, lda, alpha, i0 + full * mr, mc - full * mr, p0, kc, dst, full * kc * mr);
        }
    }

    /** The last, partial panel of A: its rows, then zeros up to mr so that the micro-kernel runs a full tile. */
    private static void packEdgePanel(int mr, boolean transA, float[] a, int aOff, int lda, float alpha,
                                      int i0, int rows, int p0, int kc, float[] dst, int base) {
        Arrays.fill(dst, base, base + kc * mr, 0f);
        for (int r = 0; r < rows; r++) {
            for (int p = 0, d = base + r; p < kc; p++, d += mr) {
                dst[d] = alpha * (transA ? a[aOff + (p0 + p) * lda + i0 + r] : a[aOff + (i0 + r) * lda + p0 + p]);
            }
        }
    }

    /**
     * dst[dstOff + (panel * kc + p) * NR + j] = op(B)[p0 + p][j0 + panel * NR + j] for steps p0 to p0 + kc and
     * columns j0 to j0 + nc; op(B)[p][j] is b[bOff + p*ldb + j], or b[bOff + j*ldb + p] if transB.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        for (int panel = 0, jr = 0; jr < nc; panel++, jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = dstOff + panel * kc * NR;
            if (cols < NR) {
                Arrays.fill(dst, base, base + kc * NR, 0f);
            }
            if (transB) {
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + jr + j) * ldb + p0;
                    for (int p = 0, d = base + j; p < kc; p++, d += NR) {
                        dst[d] = b[src + p];
                    }
                }
            } else if (cols == NR) {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (p0 + p) * ldb + j0 + jr;
                    int d = base + p * NR;
                    for (int v = 0; v < NR; v += VL) {
                        FloatVector.fromArray(SPECIES, b, src + v).intoArray(dst, d + v);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (p0 + p) * ldb + j0 + jr, dst, base + p * NR, cols);
                }
            }
        }
    }
}
