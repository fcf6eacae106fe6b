package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Copies blocks of op(A) and op(B) into the order the micro-kernel reads them (Goto and van de Geijn
 * 2008, section 5): A in panels of MR rows, either as MR rows of KC floats or as kc steps of MR
 * contiguous values, whichever is a contiguous copy from A's stored order; B in panels of NR columns,
 * each kc steps of NR contiguous values. Packing is where the transposes disappear:
 * op(X) = X or X^T only changes the source index, and ragged edges are padded with zeros so the
 * micro-kernel always runs full tiles. Alpha is folded into A here, once per element.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs rows i0 to i0 + mc and steps p0 to p0 + kc of alpha * op(A) (op(A)[i][p] is
     * a[aOff + i*lda + p], or a[aOff + p*lda + i] if transA) in panels of the register tile's mr rows,
     * in the layout that reads A along its stored rows:
     * <ul>
     *   <li>op(A) = A: as rows, dst[panel * mr * KC + r * KC + p] (the layout of {@link GemmRowsKernel14}):
     *       each row of a panel is one contiguous vector copy;</li>
     *   <li>op(A) = A^T: step by step, dst[(panel * kc + p) * mr + r] (the layout of {@link GemmMicroKernel14}):
     *       one stored row of A (one step p) is copied across all panels, mr contiguous values per panel.</li>
     * </ul>
     * Rows past mc in the last panel are zeros, so the micro-kernel always runs full tiles.
     */
    static void packA(int mr, boolean transA, float[] a, int aOff, int lda, float alpha,
                      int i0, int mc, int p0, int kc, float[] dst) {
        if (transA) {
            packStepMajor(mr, a, aOff, lda, alpha, i0, mc, p0, kc, dst);
        } else {
            packRows(mr, a, aOff, lda, alpha, i0, mc, p0, kc, dst);
        }
    }

    /** op(A) = A as rows of KC floats per panel row; a partial last panel padded with zero rows. */
    private static void packRows(int mr, float[] a, int aOff, int lda, float alpha,
                                 int i0, int mc, int p0, int kc, float[] dst) {
        int kcLimit = BlockedGemm.KC;
        int panels = (mc + mr - 1) / mr;
        for (int i = 0; i < panels * mr; i++) {
            int d = i / mr * mr * kcLimit + i % mr * kcLimit;
            if (i >= mc) {
                Arrays.fill(dst, d, d + kc, 0f);
                continue;
            }
            int src = aOff + (i0 + i) * lda + p0;
            if (alpha == 1f) {
                System.arraycopy(a, src, dst, d, kc);
            } else {
                int p = 0;
                for (int bound = SPECIES.loopBound(kc); p < bound; p += VL) {
                    FloatVector.fromArray(SPECIES, a, src + p).mul(alpha).intoArray(dst, d + p);
                }
                for (; p < kc; p++) {
                    dst[d + p] = alpha * a[src + p];
                }
            }
        }
    }

    /**
     * op(A) = A^T step by step: for each step p, the mr values of each panel are contiguous in both
     * the stored row p of A and the packed panel, so they move as one masked vector (mr <= VL) or
     * element by element; a partial last panel is padded with zeros.
     */
    private static void packStepMajor(int mr, float[] a, int aOff, int lda, float alpha,
                                      int i0, int mc, int p0, int kc, float[] dst) {
        int full = mc / mr;
        int rest = mc - full * mr;
        VectorMask<Float> panelLanes = mr <= VL ? SPECIES.indexInRange(0, mr) : null;
        VectorMask<Float> restLanes = SPECIES.indexInRange(0, rest);
        if (rest > 0) {
            Arrays.fill(dst, full * kc * mr, (full + 1) * kc * mr, 0f);
        }
        for (int p = 0; p < kc; p++) {
            int src = aOff + (p0 + p) * lda + i0;
            int d = p * mr;
            for (int panel = 0; panel < full; panel++, d += kc * mr, src += mr) {
                if (panelLanes != null) {
                    FloatVector.fromArray(SPECIES, a, src, panelLanes).mul(alpha).intoArray(dst, d, panelLanes);
                } else {
                    for (int r = 0; r < mr; r++) {
                        dst[d + r] = alpha * a[src + r];
                    }
                }
            }
            if (rest > 0 && rest <= VL) {
                FloatVector.fromArray(SPECIES, a, src, restLanes).mul(alpha).intoArray(dst, d, restLanes);
            } else {
                for (int r = 0; r < rest; r++) {
                    dst[d + r] = alpha * a[src + r];
                }
            }
        }
    }

    /** Per thread, the offsets j * ldb (j < NR) of the last leading dimension {@link #columnGather} was asked for. */
    private static final ThreadLocal<int[]> GATHER = ThreadLocal.withInitial(() -> new int[NR + 1]);

    /**
     * Offsets of NR consecutive stored rows of B, ldb apart, for the gathers that read a column of a
     * transposed B panel: on the Xeon of docs/performance.md a panel of a 384 x 256 B packed in 0.165 ns
     * per float this way against 0.36 element by element (thread CPU time, a throwaway harness).
     */
    private static int[] columnGather(int ldb) {
        int[] rows = GATHER.get();
        if (rows[NR] != ldb) {
            for (int j = 0; j < NR; j++) {
                rows[j] = j * ldb;
            }
            rows[NR] = ldb;
        }
        return rows;
    }

    /**
     * dst[dstOff + (panel * kc + p) * NR + j] = op(B)[p0 + p][j0 + panel * NR + j] for steps p0 to p0 + kc and
     * columns j0 to j0 + nc; op(B)[p][j] is b[bOff + p*ldb + j], or b[bOff + j*ldb + p] if transB.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst, int dstOff) {
        int from = 0;
        if (!transB) {
            from = nc / NR * NR;
            packRowsOfB(b, bOff, ldb, p0, kc, j0, from, dst, dstOff);
        }
        for (int panel = from / NR, jr = from; jr < nc; panel++, jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int base = dstOff + panel * kc * NR;
            if (cols < NR) {
                Arrays.fill(dst, base, base + kc * NR, 0f);
            }
            if (transB && cols == NR) {
                // a step p of the panel is column p of NR stored rows of B: gathered a vector at a time
                int[] rows = columnGather(ldb);
                int src = bOff + (j0 + jr) * ldb + p0;
                for (int p = 0; p < kc; p++) {
                    int d = base + p * NR;
                    for (int v = 0; v < NR; v += VL) {
                        FloatVector.fromArray(SPECIES, b, src + p, rows, v).intoArray(dst, d + v);
                    }
                }
            } else if (transB) {
                for (int j = 0; j < cols; j++) {
                    int src = bOff + (j0 + jr + j) * ldb + p0;
                    for (int p = 0, d = base + j; p < kc; p++, d += NR) {
                        dst[d] = b[src + p];
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    System.arraycopy(b, bOff + (p0 + p) * ldb + j0 + jr, dst, base + p * NR, cols);
                }
            }
        }
    }

    /**
     * The full panels of an untransposed B, columns j0 to j0 + width (a multiple of NR): each stored
     * row p is read once from left to right and dealt out to the panels, NR floats to each. Reading
     * along the rows lets the hardware prefetcher stream B, which is usually in L3 or memory; the
     * writes go to the packed block, which stays in L2. Panel by panel instead (kc rows of 128 bytes,
     * ldb apart, per panel), one thread's 1024^3 product ran 3% slower and the 1408-wide ones 0 to 1%
     * (both versions in one JVM, call by call, thread CPU time, on the Xeon of docs/performance.md).
     */
    private static void packRowsOfB(float[] b, int bOff, int ldb, int p0, int kc, int j0, int width, float[] dst, int dstOff) {
        int panelSize = kc * NR;
        for (int p = 0; p < kc; p++) {
            int src = bOff + (p0 + p) * ldb + j0;
            for (int jr = 0, d = dstOff + p * NR; jr < width; jr += NR, d += panelSize) {
                for (int v = 0; v < NR; v += VL) {
                    FloatVector.fromArray(SPECIES, b, src + jr + v).intoArray(dst, d + v);
                }
            }
        }
    }
}
