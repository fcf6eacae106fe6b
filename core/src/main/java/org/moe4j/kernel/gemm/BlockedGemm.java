package org.moe4j.kernel.gemm;

import org.moe4j.kernel.KernelPool;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;

/**
 * The cache-blocked GEMM of Goto and van de Geijn (2008): loop over column blocks of NC (packed B
 * block kc x nc), depth blocks of KC, row blocks of MC (packed A block mc x kc in L2), then the
 * register tiles of the plan ({@link GemmPlan}), in either order of the two innermost loops.
 * <p>
 * Two ways to run it on threads. {@link #compute} does one rectangle of C with its own packing
 * buffers, so the tasks of a grouped GEMM never share writable memory. {@link #computeShared} does
 * a whole product on the kernel pool the way BLIS does: the threads pack each B block together into
 * one buffer, then split the rows of C between them, each packing only its own rows of A; B is packed
 * once instead of once per rectangle. The depth blocks depend on k alone, so the order of the sum
 * over k is the same in every rectangle, thread and plan: any split of C gives bit-identical results.
 */
final class BlockedGemm {
    /**
     * Largest depth of a block: one packed B panel (KC x NR floats, 32 KiB with AVX-512) fits in L1.
     * k is cut into equal blocks of at most KC (784 = 4 x 196, not 3 x 256 + 16), since a shallow
     * last block pays a full load and store of C for little work.
     */
    static final int KC = 256;
    /**
     * How far ahead of its loads the 14-row micro-kernel reads the B panel, in floats: with AVX-512
     * (NR = 32 floats) 16 steps, about 220 cycles of FMAs at 14 cycles a step, more than an L2 or a
     * neighbouring core's L2 takes to answer; 8 and 32 steps were no better (docs/performance.md).
     * Every packed B buffer holds this many floats past its last panel.
     */
    static final int AHEAD = 16 * 32;

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);
    /** The packed B block a {@link #computeShared} call shares with the workers, one per calling thread. */
    private static final ThreadLocal<float[][]> SHARED_B = ThreadLocal.withInitial(() -> new float[1][0]);

    private BlockedGemm() {}

    /** Packing space, one set per thread, sized for the plan on the thread's first GEMM and then reused. */
    private static final class Buffers {
        float[] a = new float[0];
        float[] b = new float[0];
        float[] edge = new float[0];
        /** The bits of what the micro-kernels read ahead, xor-ed: kept so that the JIT cannot drop the reads. */
        int touched;

        Buffers fit(GemmPlan plan) {
            if (a.length < plan.mc() * KC) {
                a = new float[plan.mc() * KC];
            }
            if (b.length < KC * plan.nc() + AHEAD) {
                b = new float[KC * plan.nc() + AHEAD];
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
        int mr = plan.tile().rows;
        scaleByBeta(g, i0, i1, j0, j1);
        int kcStep = depthStep(g.k());
        for (int jc = j0; jc < j1; jc += plan.nc()) {
            int nc = Math.min(plan.nc(), j1 - jc);
            for (int pc = 0; pc < g.k(); pc += kcStep) {
                int kc = Math.min(kcStep, g.k() - pc);
                boolean accumulate = pc > 0 || g.beta() != 0f;
                GemmPacking.packB(g.transB(), g.b(), g.bOff(), g.ldb(), pc, kc, jc, nc, buf.b, 0);
                for (int ic = i0; ic < i1; ic += plan.mc()) {
                    int mc = Math.min(plan.mc(), i1 - ic);
                    GemmPacking.packA(mr, g.transA(), g.a(), g.aOff(), g.lda(), g.alpha(), ic, mc, pc, kc, buf.a);
                    macroKernel(plan, buf, !g.transA(), buf.b, kc, mc, nc, g.c(), g.cOff() + ic * g.ldc() + jc, g.ldc(), accumulate);
                }
            }
        }
    }

    /**
     * All of C for {@code g} (k > 0) on the kernel pool with the given plan: per block of B, the
     * threads pack its panels together into one shared buffer, then take row ranges of C of whole
     * tiles, about MC rows each and as many as a multiple of the thread count, so they finish
     * together. Each parallel loop returns only when all its tasks are done, which orders the
     * packing of a block before its use and its use before the next block overwrites it.
     */
    static void computeShared(GemmPlan plan, GemmCall g) {
        int threads = KernelPool.threads();
        int mr = plan.tile().rows;
        int m = g.m();
        int n = g.n();
        float[][] holder = SHARED_B.get();
        if (holder[0].length < KC * plan.nc() + AHEAD) {
            holder[0] = new float[KC * plan.nc() + AHEAD];
        }
        float[] packedB = holder[0];
        int rowPanels = (m + mr - 1) / mr;
        int blocks = Math.max(threads, (m + plan.mc() - 1) / plan.mc());
        int rowTasks = Math.min(rowPanels, (blocks + threads - 1) / threads * threads);
        KernelPool.parallelFor(rowTasks, t -> scaleByBeta(g, rowStart(t, rowTasks, rowPanels, mr, m),
                rowStart(t + 1, rowTasks, rowPanels, mr, m), 0, n));
        int kcStep = depthStep(g.k());
        for (int jc = 0; jc < n; jc += plan.nc()) {
            int nc = Math.min(plan.nc(), n - jc);
            int colPanels = (nc + NR - 1) / NR;
            int packTasks = Math.min(threads, colPanels);
            for (int pc = 0; pc < g.k(); pc += kcStep) {
                int kc = Math.min(kcStep, g.k() - pc);
                int jcBlock = jc;
                int pcBlock = pc;
                KernelPool.parallelFor(packTasks, t -> {
                    int first = colPanels * t / packTasks;
                    int last = colPanels * (t + 1) / packTasks;
                    GemmPacking.packB(g.transB(), g.b(), g.bOff(), g.ldb(), pcBlock, kc, jcBlock + first * NR,
                            Math.min(nc, last * NR) - first * NR, packedB, first * kc * NR);
                });
                boolean accumulate = pc > 0 || g.beta() != 0f;
                KernelPool.parallelFor(rowTasks, t -> {
                    Buffers buf = BUFFERS.get().fit(plan);
                    int i1 = rowStart(t + 1, rowTasks, rowPanels, mr, m);
                    for (int ic = rowStart(t, rowTasks, rowPanels, mr, m); ic < i1; ic += plan.mc()) {
                        int mc = Math.min(plan.mc(), i1 - ic);
                        GemmPacking.packA(mr, g.transA(), g.a(), g.aOff(), g.lda(), g.alpha(), ic, mc, pcBlock, kc, buf.a);
                        macroKernel(plan, buf, !g.transA(), packedB, kc, mc, nc, g.c(), g.cOff() + ic * g.ldc() + jcBlock, g.ldc(), accumulate);
                    }
                });
            }
        }
    }

    /** First row of row task t of {@code tasks}: the tile panels are dealt out evenly, whole panels each. */
    private static int rowStart(int t, int tasks, int panels, int mr, int m) {
        return Math.min(m, (int) ((long) panels * t / tasks) * mr);
    }

    /** Depth of every block but possibly the last: k cut into equal blocks of at most KC. */
    private static int depthStep(int k) {
        int depthBlocks = (k + KC - 1) / KC;
        return (k + depthBlocks - 1) / depthBlocks;
    }

    /**
     * beta = 0 lets the first depth block overwrite C; any other beta except 1 scales C up front, so
     * that every later block only adds.
     */
    private static void scaleByBeta(GemmCall g, int i0, int i1, int j0, int j1) {
        if (g.beta() == 0f || g.beta() == 1f) {
            return;
        }
        float[] c = g.c();
        for (int i = i0; i < i1; i++) {
            for (int j = j0, at = g.cOff() + i * g.ldc() + j0; j < j1; j++, at++) {
                c[at] *= g.beta();
            }
        }
    }

    /**
     * The tiles of one mc x nc block of C at cBase from a packed A block (buf.a) and packed B block:
     * rows outer keeps each A panel in L1 while the B panels stream past, columns outer the reverse.
     */
    private static void macroKernel(GemmPlan plan, Buffers buf, boolean aRows, float[] packedB, int kc, int mc, int nc,
                                    float[] c, int cBase, int ldc, boolean accumulate) {
        GemmTile tile = plan.tile();
        int mr = tile.rows;
        if (plan.rowsOuter()) {
            for (int ir = 0; ir < mc; ir += mr) {
                for (int jr = 0; jr < nc; jr += NR) {
                    tile(tile, buf, aRows, packedB, kc, mc, nc, ir, jr, c, cBase, ldc, accumulate);
                }
            }
        } else {
            for (int jr = 0; jr < nc; jr += NR) {
                for (int ir = 0; ir < mc; ir += mr) {
                    tile(tile, buf, aRows, packedB, kc, mc, nc, ir, jr, c, cBase, ldc, accumulate);
                }
            }
        }
    }

    /** The register tile at rows ir and columns jr of the block; a partial one goes through buf.edge. */
    private static void tile(GemmTile tile, Buffers buf, boolean aRows, float[] packedB, int kc, int mc, int nc, int ir, int jr,
                             float[] c, int cBase, int ldc, boolean accumulate) {
        int mr = tile.rows;
        int rows = Math.min(mr, mc - ir);
        int cols = Math.min(NR, nc - jr);
        int ap = tile.panelOffset(ir, kc, aRows);
        int bp = jr / NR * kc * NR;
        int at = cBase + ir * ldc + jr;
        if (rows == mr && cols == NR) {
            buf.touched ^= tile.multiply(kc, buf.a, ap, aRows, packedB, bp, c, at, ldc, accumulate);
        } else {
            buf.touched ^= tile.multiply(kc, buf.a, ap, aRows, packedB, bp, buf.edge, 0, NR, false);
            mergeEdge(buf.edge, NR, rows, cols, c, at, ldc, accumulate);
        }
    }

    /** C[rows x cols] = tile (+ C when accumulating) for a partial tile at the edge of C. */
    private static void mergeEdge(float[] tile, int ldt, int rows, int cols, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0, at = cOff + r * ldc; j < cols; j++, at++) {
                c[at] = accumulate ? c[at] + tile[r * ldt + j] : tile[r * ldt + j];
            }
        }
    }
}
