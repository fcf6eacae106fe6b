package org.moe4j.kernel;

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

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private BlockedGemm() {}

    /** Packing space, one set per thread, sized for the plan on the thread's first GEMM and then reused. */
    private static final class Buffers {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] edge = new float[0];

        Buffers fit(GemmPlan plan) {
            if (a.length < plan.mc() * KC) {
                a = new float[plan.mc() * KC];
            }
            if (b.length < KC * plan.nc()) {
                b = new float[KC * plan.nc()];
            }
            if (edge.length < plan.tile().rows * NR) {
                edge = new float[plan.tile().rows * NR];
            }
            return this;
        }
    }

    /** Computes rows [i0, i1) and columns [j0, j1) of C for {@code g} with this process's plan; requires g.k() > 0. */
    static void compute(GemmCall g, int i0, int i1, int j0, int j1) {
        compute(GemmPlans.current(), g, i0, i1, j0, j1);
    }

    /** As {@link #compute(GemmCall, int, int, int, int)} with the given plan (calibration and tests). */
    static void compute(GemmPlan plan, GemmCall g, int i0, int i1, int j0, int j1) {
        Buffers buf = BUFFERS.get().fit(plan);
        GemmTile tile = plan.tile();
        int mr = tile.rows;
        int blockRows = plan.mc();
        int blockCols = plan.nc();
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
        for (int jc = j0; jc < j1; jc += blockCols) {
            int nc = Math.min(blockCols, j1 - jc);
            for (int pc = 0; pc < g.k(); pc += kcStep) {
                int kc = Math.min(kcStep, g.k() - pc);
                boolean accumulate = pc > 0 || !overwriteFirst;
                GemmPacking.packB(g.transB(), g.b(), g.bOff(), g.ldb(), pc, kc, jc, nc, buf.b);
                for (int ic = i0; ic < i1; ic += blockRows) {
                    int mc = Math.min(blockRows, i1 - ic);
                    GemmPacking.packA(mr, g.transA(), g.a(), g.aOff(), g.lda(), g.alpha(), ic, mc, pc, kc, buf.a);
                    if (plan.rowsOuter()) {
                        for (int ir = 0; ir < mc; ir += mr) {
                            int rows = Math.min(mr, mc - ir);
                            int ap = ir / mr * kc * mr;
                            for (int jr = 0; jr < nc; jr += NR) {
                                int cols = Math.min(NR, nc - jr);
                                int bp = jr / NR * kc * NR;
                                int at = g.cOff() + (ic + ir) * ldc + jc + jr;
                                if (rows == mr && cols == NR) {
                                    tile.multiply(kc, buf.a, ap, buf.b, bp, c, at, ldc, accumulate);
                                } else {
                                    tile.multiply(kc, buf.a, ap, buf.b, bp, buf.edge, 0, NR, false);
                                    mergeEdge(buf.edge, rows, cols, c, at, ldc, accumulate);
                                }
                            }
                        }
                        continue;
                    }
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        int bp = jr / NR * kc * NR;
                        for (int ir = 0; ir < mc; ir += mr) {
                            int rows = Math.min(mr, mc - ir);
                            int ap = ir / mr * kc * mr;
                            int at = g.cOff() + (ic + ir) * ldc + jc + jr;
                            if (rows == mr && cols == NR) {
                                tile.multiply(kc, buf.a, ap, buf.b, bp, c, at, ldc, accumulate);
                            } else {
                                tile.multiply(kc, buf.a, ap, buf.b, bp, buf.edge, 0, NR, false);
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
