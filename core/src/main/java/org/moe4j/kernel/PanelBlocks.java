package org.moe4j.kernel;

import static org.moe4j.kernel.WeightBlocks.FOLD1;
import static org.moe4j.kernel.WeightBlocks.FOLD2;
import static org.moe4j.kernel.WeightBlocks.FOLD4;
import static org.moe4j.kernel.WeightBlocks.FOLD8;
import static org.moe4j.kernel.WeightBlocks.PAIR_HI;
import static org.moe4j.kernel.WeightBlocks.PAIR_LO;
import static org.moe4j.kernel.WeightBlocks.QUAD_HI;
import static org.moe4j.kernel.WeightBlocks.QUAD_LO;
import static org.moe4j.kernel.WeightBlocks.store;
import static org.moe4j.kernel.WideningLoads.F;
import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * A block of decoded rows (in a {@link #buffer} laid out by {@link #start}) times a panel of tokens, for the
 * prompt schedules of {@link QuantizedProduct} and {@link Q4kProduct}: the operation order of
 * {@link WeightBlocks} (each output's VL lanes summed over its columns in ascending chunks of VL by
 * fused multiply-adds from zero, then the fixed pairwise lane sum), so every output has the bits of
 * {@link ArrayBlocks} and of the one-token kernels, in a schedule that keeps the arithmetic units fed.
 *
 * <p>The 4 x 4 blocks run over whole rows: 4 rows and 4 tokens of 2048 columns are 64 KiB, more
 * than a core's 48 KiB L1, so every one of their 8 loads per 16 fused multiply-adds came from L2,
 * and they multiplied at about 70 GFLOP/s per core in cache (the float32 GEMM's tile, 190). Here the
 * columns go in chunks of {@link #KC}: 8 rows x KC columns (16 KiB) stay in L1 while every token of
 * the panel passes over them three at a time, each token vector loaded once for 8 rows. The 24
 * accumulators of a 8 x 3 block (of the 32 vector registers of AVX-512, with 3 token vectors and one
 * weight vector) are stored to a per-thread array at the end of a chunk and loaded again at the next:
 * stores and loads are exact, so each lane sees the same fused multiply-adds in the same order as if
 * it had stayed in a register. After the last chunk each group of 4 rows is summed across its lanes
 * by the 4-row tree. Two tokens left over take an 8 x 2 block (10 loads per 16 fused multiply-adds)
 * rather than two 8 x 1 (18).
 *
 * <p>The rows are in a native buffer that starts on a cache line, not a float[]: the 8 x 3 loop runs
 * near half the FMA peak, and its 8 weight loads per 24 FMAs are 64 bytes each, which in a float[]
 * (data 16 bytes into an 8-byte-aligned object, wherever the collector put it) usually span two lines.
 * In the buffer each is one line. One thread, in cache, a harness around this class against a copy
 * of the float[] version, alternating JVMs (2026-12-06, Xeon with AVX-512, load 1-2.5): 32 x 2048 x
 * 32..34 tokens 100-115 -> 115-131 GFLOP/s, 64 x 1024 x 64 103-108 -> 116-118; {@code bench
 * weight-product 1024 2048 --tokens 64 --threads 1 --working-set-gib 0} medians Q8_0 80-83 -> 101-102,
 * Q4_K 66-85 -> 76-86 (docs/gguf.md has the end-to-end runs). Tried the same day and dropped: the
 * tokens copied into such a buffer too, the loop unrolled by two columns, the one or two tokens
 * left over as a padded 8 x 3 block (none with a consistent gain beyond the spread), and, before,
 * an 8 x 2 block for all tokens (slower), KC 256 or 1024.
 */
final class PanelBlocks {
    /** Columns per chunk: 8 rows of them are 16 KiB, a third of L1, beside 3 tokens' chunks and the accumulators. */
    static final int KC = 512;
    /** Rows per group, whose chunks stay in L1 while the panel passes. */
    static final int ROWS = 8;
    /** Bytes of a cache line, where the buffer of rows starts (see {@link #buffer}). */
    private static final long LINE = 64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private PanelBlocks() {}

    /**
     * A buffer for {@code floats} decoded rows, starting on a cache line: every weight vector of a group
     * at {@link #start} + c {@link #spread} is then one line (as a float[] the vectors start where the
     * array's data does, 16 bytes past its 8-byte-aligned object, and a 64-byte load usually spans two).
     * The automatic arena frees it when its per-thread owner lets it go.
     */
    static MemorySegment buffer(long floats) {
        return Arena.ofAuto().allocate(4 * floats, LINE);
    }

    /** Floats of accumulators {@link #multiply} needs for a panel of {@code tokens}. */
    static int accumulatorFloats(int tokens) {
        return ROWS * tokens * VL;
    }

    // w: (rows, cols) from 0   x: (T, cols) rows ldx apart from x0   y: (T, rows) rows ldy apart from y0
    /**
     * y[t][r] = (or +=, when {@code add}) row r of w times token t, for all {@code rows} rows and
     * {@code T} tokens; {@code acc} holds at least {@link #accumulatorFloats}(T) floats.
     */
    static void multiply(MemorySegment w, int rows, int cols, float[] x, int x0, int ldx, int T, float[] y, int y0, int ldy,
                         boolean add, float[] acc) {
        int groups = cols % VL == 0 ? rows / ROWS : 0;
        for (int g = 0; g < groups; g++) {
            int w0 = g * ROWS * cols;
            Arrays.fill(acc, 0, accumulatorFloats(T), 0f);
            for (int k0 = 0; k0 < cols; k0 += KC) {
                int k1 = Math.min(cols, k0 + KC);
                int t = 0;
                for (; t + 3 <= T; t += 3) rows8Tokens3(w, w0, k0, k1, x, x0 + t * ldx, ldx, acc, t * ROWS * VL);
                if (T - t == 2) rows8Tokens2(w, w0, k0, k1, x, x0 + t * ldx, ldx, acc, t * ROWS * VL);
                else if (T - t == 1) rows8Token1(w, w0, k0, k1, x, x0 + t * ldx, acc, t * ROWS * VL);
            }
            for (int t = 0; t < T; t++) {
                for (int q = 0; q < ROWS; q += 4) {
                    sum4(acc, (t * ROWS + q) * VL, y, y0 + t * ldy + g * ROWS + q, add);
                }
            }
        }
        // rows past the last group of 8 (or all of them, when a row is not whole vectors): F32Blocks' unchunked
        // blocks over the buffer, which give the same bits (the order of WeightBlocks); these rows lie cols apart
        int r = groups * ROWS;
        long rowBytes = 4L * cols;
        for (; r + 4 <= rows; r += 4) {
            int t = 0;
            for (; t + 4 <= T; t += 4) F32Blocks.rows4Tokens4(w, r * rowBytes, cols, x, x0 + t * ldx, ldx, y, y0 + t * ldy + r, ldy, add);
            for (; t < T; t++) F32Blocks.rows4Token1(w, r * rowBytes, rowBytes, cols, x, x0 + t * ldx, y, y0 + t * ldy + r, 1, add);
        }
        for (; r < rows; r++) {
            for (int t = 0; t < T; t++) store(y, y0 + t * ldy + r, F32Blocks.row1Token1(w, r * rowBytes, cols, x, x0 + t * ldx), add);
        }
    }

    /**
     * Where row r of a block of n rows starts in the block's buffer: the vector of its columns [c, c + VL)
     * is at {@code start + c * spread(r, n, cols)}. Rows in whole groups of 8 are interleaved by vectors
     * (the group's 8 vectors of a column chunk side by side, so the kernels reach all 8 rows from one
     * index by constant offsets: with 8 row indices the JIT ran out of registers and kept a bounds check
     * per load in the loop); the rows after the last group follow one after another, {@code cols} apart.
     */
    static int start(int r, int n, int cols) {
        return grouped(r, n, cols) ? (r - r % ROWS) * cols + (r % ROWS) * VL : r * cols;
    }

    /** How far apart (in multiples of the column index) row r's vectors are: 8 in a group, 1 after. */
    static int spread(int r, int n, int cols) {
        return grouped(r, n, cols) ? ROWS : 1;
    }

    private static boolean grouped(int r, int n, int cols) {
        return cols % VL == 0 && r < n - n % ROWS;
    }

    /** Columns [k0, k1) of the group of 8 interleaved rows from w[w0] times 3 tokens, into their accumulators at acc[a0 ..]. */
    private static void rows8Tokens3(MemorySegment w, int w0, int k0, int k1, float[] x, int xa, int ldx, float[] acc, int a0) {
        // acc[a0 + (8 t + i) VL ..]: token t, row i
        FloatVector a00 = FloatVector.fromArray(F, acc, a0), a01 = FloatVector.fromArray(F, acc, a0 + VL);
        FloatVector a02 = FloatVector.fromArray(F, acc, a0 + 2 * VL), a03 = FloatVector.fromArray(F, acc, a0 + 3 * VL);
        FloatVector a04 = FloatVector.fromArray(F, acc, a0 + 4 * VL), a05 = FloatVector.fromArray(F, acc, a0 + 5 * VL);
        FloatVector a06 = FloatVector.fromArray(F, acc, a0 + 6 * VL), a07 = FloatVector.fromArray(F, acc, a0 + 7 * VL);
        FloatVector a10 = FloatVector.fromArray(F, acc, a0 + 8 * VL), a11 = FloatVector.fromArray(F, acc, a0 + 9 * VL);
        FloatVector a12 = FloatVector.fromArray(F, acc, a0 + 10 * VL), a13 = FloatVector.fromArray(F, acc, a0 + 11 * VL);
        FloatVector a14 = FloatVector.fromArray(F, acc, a0 + 12 * VL), a15 = FloatVector.fromArray(F, acc, a0 + 13 * VL);
        FloatVector a16 = FloatVector.fromArray(F, acc, a0 + 14 * VL), a17 = FloatVector.fromArray(F, acc, a0 + 15 * VL);
        FloatVector a20 = FloatVector.fromArray(F, acc, a0 + 16 * VL), a21 = FloatVector.fromArray(F, acc, a0 + 17 * VL);
        FloatVector a22 = FloatVector.fromArray(F, acc, a0 + 18 * VL), a23 = FloatVector.fromArray(F, acc, a0 + 19 * VL);
        FloatVector a24 = FloatVector.fromArray(F, acc, a0 + 20 * VL), a25 = FloatVector.fromArray(F, acc, a0 + 21 * VL);
        FloatVector a26 = FloatVector.fromArray(F, acc, a0 + 22 * VL), a27 = FloatVector.fromArray(F, acc, a0 + 23 * VL);
        int x1 = xa + ldx, x2 = x1 + ldx;
        long o = 4L * (w0 + ROWS * k0);
        for (int c = k0; c < k1; c += VL, o += 4 * ROWS * VL) {
            FloatVector u0 = FloatVector.fromArray(F, x, xa + c);
            FloatVector u1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector u2 = FloatVector.fromArray(F, x, x2 + c);
            FloatVector v = FloatVector.fromMemorySegment(F, w, o, LE);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            a20 = u2.fma(v, a20);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * VL, LE);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            a21 = u2.fma(v, a21);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 2 * VL, LE);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            a22 = u2.fma(v, a22);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 3 * VL, LE);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            a23 = u2.fma(v, a23);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 4 * VL, LE);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            a24 = u2.fma(v, a24);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 5 * VL, LE);
            a05 = u0.fma(v, a05);
            a15 = u1.fma(v, a15);
            a25 = u2.fma(v, a25);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 6 * VL, LE);
            a06 = u0.fma(v, a06);
            a16 = u1.fma(v, a16);
            a26 = u2.fma(v, a26);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 7 * VL, LE);
            a07 = u0.fma(v, a07);
            a17 = u1.fma(v, a17);
            a27 = u2.fma(v, a27);
        }
        a00.intoArray(acc, a0);
        a01.intoArray(acc, a0 + VL);
        a02.intoArray(acc, a0 + 2 * VL);
        a03.intoArray(acc, a0 + 3 * VL);
        a04.intoArray(acc, a0 + 4 * VL);
        a05.intoArray(acc, a0 + 5 * VL);
        a06.intoArray(acc, a0 + 6 * VL);
        a07.intoArray(acc, a0 + 7 * VL);
        a10.intoArray(acc, a0 + 8 * VL);
        a11.intoArray(acc, a0 + 9 * VL);
        a12.intoArray(acc, a0 + 10 * VL);
        a13.intoArray(acc, a0 + 11 * VL);
        a14.intoArray(acc, a0 + 12 * VL);
        a15.intoArray(acc, a0 + 13 * VL);
        a16.intoArray(acc, a0 + 14 * VL);
        a17.intoArray(acc, a0 + 15 * VL);
        a20.intoArray(acc, a0 + 16 * VL);
        a21.intoArray(acc, a0 + 17 * VL);
        a22.intoArray(acc, a0 + 18 * VL);
        a23.intoArray(acc, a0 + 19 * VL);
        a24.intoArray(acc, a0 + 20 * VL);
        a25.intoArray(acc, a0 + 21 * VL);
        a26.intoArray(acc, a0 + 22 * VL);
        a27.intoArray(acc, a0 + 23 * VL);
    }

    /** Columns [k0, k1) of the group of 8 interleaved rows from w[w0] times 2 tokens, into their accumulators at acc[a0 ..]. */
    private static void rows8Tokens2(MemorySegment w, int w0, int k0, int k1, float[] x, int xa, int ldx, float[] acc, int a0) {
        // acc[a0 + (8 t + i) VL ..]: token t, row i
        FloatVector a00 = FloatVector.fromArray(F, acc, a0), a01 = FloatVector.fromArray(F, acc, a0 + VL);
        FloatVector a02 = FloatVector.fromArray(F, acc, a0 + 2 * VL), a03 = FloatVector.fromArray(F, acc, a0 + 3 * VL);
        FloatVector a04 = FloatVector.fromArray(F, acc, a0 + 4 * VL), a05 = FloatVector.fromArray(F, acc, a0 + 5 * VL);
        FloatVector a06 = FloatVector.fromArray(F, acc, a0 + 6 * VL), a07 = FloatVector.fromArray(F, acc, a0 + 7 * VL);
        FloatVector a10 = FloatVector.fromArray(F, acc, a0 + 8 * VL), a11 = FloatVector.fromArray(F, acc, a0 + 9 * VL);
        FloatVector a12 = FloatVector.fromArray(F, acc, a0 + 10 * VL), a13 = FloatVector.fromArray(F, acc, a0 + 11 * VL);
        FloatVector a14 = FloatVector.fromArray(F, acc, a0 + 12 * VL), a15 = FloatVector.fromArray(F, acc, a0 + 13 * VL);
        FloatVector a16 = FloatVector.fromArray(F, acc, a0 + 14 * VL), a17 = FloatVector.fromArray(F, acc, a0 + 15 * VL);
        int x1 = xa + ldx;
        long o = 4L * (w0 + ROWS * k0);
        for (int c = k0; c < k1; c += VL, o += 4 * ROWS * VL) {
            FloatVector u0 = FloatVector.fromArray(F, x, xa + c);
            FloatVector u1 = FloatVector.fromArray(F, x, x1 + c);
            FloatVector v = FloatVector.fromMemorySegment(F, w, o, LE);
            a00 = u0.fma(v, a00);
            a10 = u1.fma(v, a10);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * VL, LE);
            a01 = u0.fma(v, a01);
            a11 = u1.fma(v, a11);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 2 * VL, LE);
            a02 = u0.fma(v, a02);
            a12 = u1.fma(v, a12);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 3 * VL, LE);
            a03 = u0.fma(v, a03);
            a13 = u1.fma(v, a13);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 4 * VL, LE);
            a04 = u0.fma(v, a04);
            a14 = u1.fma(v, a14);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 5 * VL, LE);
            a05 = u0.fma(v, a05);
            a15 = u1.fma(v, a15);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 6 * VL, LE);
            a06 = u0.fma(v, a06);
            a16 = u1.fma(v, a16);
            v = FloatVector.fromMemorySegment(F, w, o + 4 * 7 * VL, LE);
            a07 = u0.fma(v, a07);
            a17 = u1.fma(v, a17);
        }
        a00.intoArray(acc, a0);
        a01.intoArray(acc, a0 + VL);
        a02.intoArray(acc, a0 + 2 * VL);
        a03.intoArray(acc, a0 + 3 * VL);
        a04.intoArray(acc, a0 + 4 * VL);
        a05.intoArray(acc, a0 + 5 * VL);
        a06.intoArray(acc, a0 + 6 * VL);
        a07.intoArray(acc, a0 + 7 * VL);
        a10.intoArray(acc, a0 + 8 * VL);
        a11.intoArray(acc, a0 + 9 * VL);
        a12.intoArray(acc, a0 + 10 * VL);
        a13.intoArray(acc, a0 + 11 * VL);
        a14.intoArray(acc, a0 + 12 * VL);
        a15.intoArray(acc, a0 + 13 * VL);
        a16.intoArray(acc, a0 + 14 * VL);
        a17.intoArray(acc, a0 + 15 * VL);
    }

    /** Columns [k0, k1) of the group of 8 interleaved rows from w[w0] times one token, into its accumulators at acc[a0 ..]. */
    private static void rows8Token1(MemorySegment w, int w0, int k0, int k1, float[] x, int xa, float[] acc, int a0) {
        FloatVector a0v = FloatVector.fromArray(F, acc, a0), a1v = FloatVector.fromArray(F, acc, a0 + VL);
        FloatVector a2v = FloatVector.fromArray(F, acc, a0 + 2 * VL), a3v = FloatVector.fromArray(F, acc, a0 + 3 * VL);
        FloatVector a4v = FloatVector.fromArray(F, acc, a0 + 4 * VL), a5v = FloatVector.fromArray(F, acc, a0 + 5 * VL);
        FloatVector a6v = FloatVector.fromArray(F, acc, a0 + 6 * VL), a7v = FloatVector.fromArray(F, acc, a0 + 7 * VL);
        long o = 4L * (w0 + ROWS * k0);
        for (int c = k0; c < k1; c += VL, o += 4 * ROWS * VL) {
            FloatVector u = FloatVector.fromArray(F, x, xa + c);
            a0v = u.fma(FloatVector.fromMemorySegment(F, w, o, LE), a0v);
            a1v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * VL, LE), a1v);
            a2v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 2 * VL, LE), a2v);
            a3v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 3 * VL, LE), a3v);
            a4v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 4 * VL, LE), a4v);
            a5v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 5 * VL, LE), a5v);
            a6v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 6 * VL, LE), a6v);
            a7v = u.fma(FloatVector.fromMemorySegment(F, w, o + 4 * 7 * VL, LE), a7v);
        }
        a0v.intoArray(acc, a0);
        a1v.intoArray(acc, a0 + VL);
        a2v.intoArray(acc, a0 + 2 * VL);
        a3v.intoArray(acc, a0 + 3 * VL);
        a4v.intoArray(acc, a0 + 4 * VL);
        a5v.intoArray(acc, a0 + 5 * VL);
        a6v.intoArray(acc, a0 + 6 * VL);
        a7v.intoArray(acc, a0 + 7 * VL);
    }

    /** The four accumulators at acc[a ..] (4 rows, one token) summed across their lanes by the 4-row tree into y[y0 .. y0 + 4). */
    private static void sum4(float[] acc, int a, float[] y, int y0, boolean add) {
        FloatVector a0 = FloatVector.fromArray(F, acc, a), a1 = FloatVector.fromArray(F, acc, a + VL);
        FloatVector a2 = FloatVector.fromArray(F, acc, a + 2 * VL), a3 = FloatVector.fromArray(F, acc, a + 3 * VL);
        FloatVector b0 = PAIR_LO.selectFrom(a0, a1).add(PAIR_HI.selectFrom(a0, a1));
        FloatVector b1 = PAIR_LO.selectFrom(a2, a3).add(PAIR_HI.selectFrom(a2, a3));
        FloatVector s = QUAD_LO.selectFrom(b0, b1).add(QUAD_HI.selectFrom(b0, b1));
        if (VL >= 64) s = s.add(s.rearrange(FOLD8));
        if (VL >= 32) s = s.add(s.rearrange(FOLD4));
        if (VL >= 16) s = s.add(s.rearrange(FOLD2));
        if (VL >= 8) s = s.add(s.rearrange(FOLD1));
        store(y, y0, s.lane(0), add);
        store(y, y0 + 1, s.lane(VL / 4), add);
        store(y, y0 + 2, s.lane(VL / 2), add);
        store(y, y0 + 3, s.lane(3 * VL / 4), add);
    }
}
