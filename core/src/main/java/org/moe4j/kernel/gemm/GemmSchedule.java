package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.moe4j.kernel.KernelPool;

/**
 * Runs GEMM problems on the kernel pool. One product on two threads is cut into two halves
 * ({@link #halves}), on more threads it goes to {@link BlockedGemm#computeShared}, where the threads
 * share each packed block of B. Otherwise (several groups, or one thread) the problems are split into
 * rectangles of C. Each
 * rectangle packs its own share of A and B, so splitting costs repacking: cutting the rows of C
 * into r parts repacks B r times, cutting the columns into c parts repacks A c times, and the
 * split keeps r / c near m / n to minimise that. Problems get rectangles in proportion to their
 * work, and the largest rectangles are handed out first, so threads finish together even when
 * the groups of a grouped GEMM differ in size.
 */
final class GemmSchedule {
    /** Below this much work a problem is not worth waking a second thread for. */
    static final long PARALLEL_MIN_FLOPS = 1L << 22;
    /** Rectangles per thread: more balances load better, fewer repack less. */
    static final int TASKS_PER_THREAD = 2;

    /** Row-vector products are split into column ranges that are multiples of this. */
    static final int ROW_VECTOR_COLUMNS = 256;

    /**
     * Products with at most this many rows of C (a decoding step of a few sequences, an expert that
     * got a few tokens) run as one matrix-vector product per row: packing would copy all of B to use
     * each element a few times. Rows share a column slice of B small enough to stay in L2.
     */
    static final int SKINNY_MAX_ROWS = 8;
    /** Bytes of B one skinny task reads, so the rows after the first find it in L2. */
    private static final int SKINNY_SLICE_BYTES = 512 * 1024;

    private GemmSchedule() {}

    /** One rectangle of one problem's C. */
    private record Task(GemmCall call, int i0, int i1, int j0, int j1) {
        long flops() {
            return 2L * (i1 - i0) * (j1 - j0) * call.k();
        }

        void run() {
            if (isSkinny(call) && call.transB() && !call.transA()) {
                // B is n x k: rows j0 to j1 of B against every row of A, each B row read once per pair of A rows
                Gemv.rowsMany(j0, j1, call.k(), call.alpha(), call.b(), call.bOff(), call.ldb(), i1 - i0, call.a(),
                        call.aOff() + i0 * call.lda(), call.lda(), call.beta(), call.c(), call.cOff() + i0 * call.ldc(), call.ldc());
            } else if (isSkinny(call)) {
                for (int i = i0; i < i1; i++) rowVector(call, i, j0, j1);
            } else {
                BlockedGemm.compute(call, i0, i1, j0, j1);
            }
        }
    }

    /**
     * A product with one row of C and a contiguous row of op(A) is a matrix-vector product: packing
     * would copy all of B to use each element once, so it goes to {@link Gemv} instead.
     */
    private static boolean isSkinny(GemmCall g) {
        return g.m() == 1 ? !g.transA() || g.lda() == 1 : g.m() <= SKINNY_MAX_ROWS && !g.transA();
    }

    /**
     * Columns [j0, j1) of row i of C = alpha * a_i . op(B) + beta * C, as y = op(B)^T a_i: every
     * element is summed exactly as for a single row, so a row's result does not depend on how many
     * rows share the call (a decoded token is the same alone or in a batch).
     */
    private static void rowVector(GemmCall g, int i, int j0, int j1) {
        int aRow = g.aOff() + i * (g.transA() ? 1 : g.lda());
        int cRow = g.cOff() + i * g.ldc();
        if (g.transB()) {
            // B is n x k: the columns of C are rows j0 to j1 of B, y = B x
            Gemv.gemv(false, j1 - j0, g.k(), g.alpha(), g.b(), g.bOff() + j0 * g.ldb(), g.ldb(),
                    g.a(), aRow, g.beta(), g.c(), cRow + j0);
        } else {
            // B is k x n: y = B^T x over columns j0 to j1
            Gemv.gemv(true, g.k(), j1 - j0, g.alpha(), g.b(), g.bOff() + j0, g.ldb(),
                    g.a(), aRow, g.beta(), g.c(), cRow + j0);
        }
    }

    /** Computes every problem (already checked); C regions of different problems must not overlap. */
    static void run(GemmCall... calls) {
        long total = 0;
        for (GemmCall g : calls) {
            if (g.m() > 0 && g.n() > 0 && g.k() == 0) {
                scale(g);
            }
            total += g.flops();
        }
        if (total == 0) {
            return;
        }
        int threads = KernelPool.threads();
        if (calls.length == 1 && threads == 2 && total >= PARALLEL_MIN_FLOPS && !isSkinny(calls[0])) {
            Task[] halves = halves(calls[0]);
            KernelPool.parallelFor(halves.length, t -> halves[t].run());
            return;
        }
        if (calls.length == 1 && threads > 2 && total >= PARALLEL_MIN_FLOPS && !isSkinny(calls[0])) {
            // one product on more cores: the threads share each packed B block instead of packing B per rectangle
            BlockedGemm.computeShared(GemmPlans.current(), calls[0]);
            return;
        }
        int targetTasks = threads == 1 || total < PARALLEL_MIN_FLOPS ? 1 : TASKS_PER_THREAD * threads;
        List<Task> tasks = new ArrayList<>();
        for (GemmCall g : calls) {
            if (g.flops() > 0) {
                split(g, Math.max(1, (int) Math.round((double) targetTasks * g.flops() / total)), tasks);
            }
        }
        Task[] order = tasks.toArray(new Task[0]);
        Arrays.sort(order, (x, y) -> Long.compare(y.flops(), x.flops()));
        KernelPool.parallelFor(order.length, t -> order[t].run());
    }

    /**
     * One product on two threads: C cut in two halves of whole tiles, each packing its own A and B with
     * no barrier between them, across the longer side of C so that the shorter operand is the one
     * packed twice (rows when n < m: B twice; columns otherwise: A twice). On the 2-core Xeon of
     * docs/performance.md this ran 2 to 14% faster than sharing each packed B block between the two
     * threads ({@link BlockedGemm#computeShared}), which waits at two barriers per block of B and reads
     * half of B from the other core's L2; with more cores B would be packed once per rectangle, so
     * there the threads still share it. A side of a single tile is not cut.
     */
    private static Task[] halves(GemmCall g) {
        Cut cut = Cut.of(g.m(), g.n());
        if (cut.at() == 0) return new Task[] {new Task(g, 0, g.m(), 0, g.n())};
        return cut.byRows()
                ? new Task[] {new Task(g, 0, cut.at(), 0, g.n()), new Task(g, cut.at(), g.m(), 0, g.n())}
                : new Task[] {new Task(g, 0, g.m(), 0, cut.at()), new Task(g, 0, g.m(), cut.at(), g.n())};
    }

    /** Where {@link #halves} cuts an m x n C: at row {@code at} (byRows), at column {@code at}, or nowhere (at 0). */
    private record Cut(boolean byRows, int at) {
        static Cut of(int m, int n) {
            int tileRows = GemmPlans.current().tile().rows;
            int rowTiles = ceilDiv(m, tileRows);
            int colTiles = ceilDiv(n, NR);
            boolean byRows = n < m ? rowTiles > 1 : colTiles == 1;
            if (byRows && rowTiles > 1) return new Cut(true, ceilDiv(rowTiles, 2) * tileRows);
            if (!byRows && colTiles > 1) return new Cut(false, ceilDiv(colTiles, 2) * NR);
            return new Cut(true, 0);
        }
    }

    /**
     * How {@link #run} shares one M x N x K product (A and B not transposed, M above the small-M path's
     * rows) among {@code threads} kernel threads, in words, for {@code moe4j bench gemm}.
     */
    static String describeThreads(int m, int n, int k, int threads) {
        if (threads == 1) return "1 kernel thread";
        if (2L * m * n * k < PARALLEL_MIN_FLOPS) {
            return "one task: under " + PARALLEL_MIN_FLOPS + " floating-point operations, " + threads + " threads would cost more than they save";
        }
        if (threads > 2) return threads + " kernel threads sharing each packed block of B";
        Cut cut = Cut.of(m, n);
        if (cut.at() == 0) return "one task: C is a single tile";
        return cut.byRows()
                ? "2 kernel threads, C cut at row " + cut.at() + " into two halves (N < M: each thread packs B, and its own rows of A)"
                : "2 kernel threads, C cut at column " + cut.at() + " into two halves (each thread packs A, and its own columns of B)";
    }

    private static void split(GemmCall g, int parts, List<Task> out) {
        if (isSkinny(g)) {
            int sliceColumns = g.m() == 1 ? Integer.MAX_VALUE : Math.max(ROW_VECTOR_COLUMNS, SKINNY_SLICE_BYTES / 4 / Math.max(1, g.k()));
            int colStep = ceilDiv(Math.min(sliceColumns, ceilDiv(g.n(), parts)), ROW_VECTOR_COLUMNS) * ROW_VECTOR_COLUMNS;
            for (int j0 = 0; j0 < g.n(); j0 += colStep) {
                out.add(new Task(g, 0, g.m(), j0, Math.min(g.n(), j0 + colStep)));
            }
            return;
        }
        int mr = GemmPlans.current().tile().rows;
        int rowTiles = ceilDiv(g.m(), mr);
        int colTiles = ceilDiv(g.n(), NR);
        int r = (int) Math.max(1, Math.min(rowTiles, Math.round(Math.sqrt((double) parts * g.m() / g.n()))));
        int c = Math.max(1, Math.min(colTiles, ceilDiv(parts, r)));
        int rowStep = ceilDiv(rowTiles, r) * mr;
        int colStep = ceilDiv(colTiles, c) * NR;
        for (int i0 = 0; i0 < g.m(); i0 += rowStep) {
            for (int j0 = 0; j0 < g.n(); j0 += colStep) {
                out.add(new Task(g, i0, Math.min(g.m(), i0 + rowStep), j0, Math.min(g.n(), j0 + colStep)));
            }
        }
    }

    /** C = beta * C, what a product with k = 0 leaves (beta = 0 clears C, NaN included). */
    private static void scale(GemmCall g) {
        for (int i = 0; i < g.m(); i++) {
            int ci = g.cOff() + i * g.ldc();
            for (int j = 0; j < g.n(); j++) {
                g.c()[ci + j] = g.beta() == 0f ? 0f : g.beta() * g.c()[ci + j];
            }
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
