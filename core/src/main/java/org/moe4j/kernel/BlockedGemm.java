package org.moe4j.kernel;

import static org.moe4j.kernel.GemmMicroKernel.MR;
import static org.moe4j.kernel.GemmMicroKernel.NR;

/**
 * The cache-blocked GEMM of Goto and van de Geijn (2008) on one rectangle of C: loop over column
 * blocks of NC (packed B block kc x nc in L3), depth blocks of KC, row blocks of MC (packed A block
 * mc x kc in L2), then MR x NR register tiles whose packed B panel (kc x NR) stays in L1. Each task
 * of the schedule runs this on its own rectangle with its own packing buffers, so tasks never share
 * writable memory. The depth blocks depend on k alone, so the order of the sum over k is the same
 * in every rectangle: any split of C gives bit-identical results.
 */
final class BlockedGemm {
    /**
     * Largest depth of a block: one packed B panel (KC x NR floats, 32 KiB with AVX-512) fits in L1.
     * k is cut into equal blocks of at most KC (784 = 4 x 196, not 3 x 256 + 16), since a shallow
     * last block pays a full load and store of C for little work.
     */
    static final int KC = 256;
    /** Rows of a packed A block (MC x KC floats, 144 KiB) that stays in L2. */
    static final int MC = 24 * MR;
    /** Columns of a packed B block (KC x NC floats, 2 MiB) that stays in L3. */
    static final int NC = 64 * NR;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private BlockedGemm() {}

    /** Packing space, one set per thread, allocated on the thread's first GEMM and then reused. */
    private static final class Buffers {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC];
        final float[] edge = new float[MR * NR];
    }

    /** Computes rows [i0, i1) and columns [j0, j1) of C for {@code g}; requires g.k() > 0. */
    static void compute(GemmCall g, int i0, int i1, int j0, int j1) {
        Buffers buf = BUFFERS.get();
        float[] c = g.c();
        int ldc = g.ldc();
        // beta = 0 lets the first depth block overwrite C; any other beta except 1 scales C up front,
        // so that every later block only adds
        boolean overwriteFirst = g.beta() == 0f;
        if (!overwriteFirst && g.beta() != 1f) {
            for (int i = i0; i < i1; i++) {
                for (int j = j0, at = g.cOff() + i * ldc + j0; j < j1; j++, at++) {
                    c[at] *= g.beta();
                }
            }
        }
        int depthBlocks = (g.k() + KC - 1) / KC;
        int kcStep = (g.k() + depthBlocks - 1) / depthBlocks;
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = 0; pc < g.k(); pc += kcStep) {
                int kc = Math.min(kcStep, g.k() - pc);
                boolean accumulate = pc > 0 || !overwriteFirst;
                GemmPacking.packB(g.transB(), g.b(), g.bOff(), g.ldb(), pc, kc, jc, nc, buf.b);
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    GemmPacking.packA(g.transA(), g.a(), g.aOff(), g.lda(), g.alpha(), ic, mc, pc, kc, buf.a);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bp = jr / NR * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int rows = Math.min(MR, mc - ir);
                            int ap = ir / MR * kc * MR;
                            int at = g.cOff() + (ic + ir) * ldc + jc + jr;
                            if (rows == MR && cols == NR) {
                                GemmMicroKernel.multiply(kc, buf.a, ap, buf.b, bp, c, at, ldc, accumulate);
                            } else {
                                GemmMicroKernel.multiply(kc, buf.a, ap, buf.b, bp, buf.edge, 0, NR, false);
                                mergeEdge(buf.edge, rows, cols, c, at, ldc, accumulate);
                            }
                        }
                    }
                }
            }
        }
    }

    /** C[rows x cols] = tile (+ C when accumulating) for a partial tile at the edge of C. */
    private static void mergeEdge(float[] tile, int rows, int cols, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0, at = cOff + r * ldc; j < cols; j++, at++) {
                c[at] = accumulate ? c[at] + tile[r * NR + j] : tile[r * NR + j];
            }
        }
    }
}
