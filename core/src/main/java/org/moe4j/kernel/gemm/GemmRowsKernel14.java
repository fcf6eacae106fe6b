package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The 14-row register tile of {@link GemmMicroKernel14} for an A panel packed as rows: row r of the panel
 * is KC floats long, step p of row r at {@code ap[apOff + r * KC + p]}. Packing an untransposed A
 * that way is one contiguous copy per row (a vector copy), where the step-major order of
 * {@link GemmMicroKernel14} gathers 14 values from 14 rows for every step: a JFR profile of training put
 * that gather at a fifth of the step, because the model's products are narrow (N of 64 to 384 against
 * M of 2048) and each packed value of A feeds only N multiply-adds. KC is a constant so that the
 * broadcasts keep constant displacements, as in the step-major tile; reading 14 rows of an L1-resident
 * panel ran as fast as reading one (a harness timed both at 160 to 180 GFLOP/s on the Xeon of
 * docs/performance.md). Every element of C is summed over p in the same order as in {@link GemmMicroKernel14},
 * so both layouts give bit-identical results. Written out in full, in two methods, for the reasons
 * given in {@link GemmMicroKernel}. The loop counts the A index itself ({@code a < end}) rather than a
 * separate step p: with a step counter C2 spilled two of the 14-row tile's accumulators to the stack in
 * every iteration when the JVM ran the parallel collector (the launcher's), 144 against 179 GFLOP/s.
 * <p>
 * Each step also reads one float from each of the two B lines {@link #AHEAD} floats (16 steps) ahead
 * and returns their bits: Java has no prefetch instruction, and a plain load is the next best thing,
 * two load and two integer uops per 28 FMAs, none on the FMA ports. With rows outer the B panels
 * stream from L2 (and, shared by two threads, half of them from the other core's), which the loop
 * otherwise waits for: the blocked product's inner loops ran 2 to 9% faster with the reads (a
 * throwaway harness on the Xeon of docs/performance.md, thread CPU time, both kernels in one JVM).
 * <p>
 * The two methods are written by the test-side generator {@code GemmKernelText}, the one definition of
 * all the tiles; {@code GemmKernelSourceTest} fails if they are edited here.
 */
final class GemmRowsKernel14 {
    /** Floats from one row of a packed panel to the next: the depth block's largest size. */
    static final int KC = BlockedGemm.KC;
    /** Rows of the register tile. */
    static final int MR = 14;
    /** How far ahead of its loads, in floats of the B panel, each step reads B: {@link BlockedGemm#AHEAD}. */
    static final int AHEAD = BlockedGemm.AHEAD;

    private GemmRowsKernel14() {}

    /**
     * C[MR x NR] (at cOff, leading dimension ldc) = acc, where acc[r][j] = sum over p < kc of
     * ap[p][r] * bp[p][j]; ap holds the A panel as rows: ap[apOff + r * KC + p], bp a packed B panel
     * (kc x NR). What C held, NaN included, is ignored. Only full tiles: the caller runs edge tiles
     * into a scratch tile.
     * bp must hold AHEAD floats past the panel (bpOff + kc * NR + AHEAD <= bp.length): each step
     * also reads one float of each of the two B lines AHEAD floats on, so that the lines are in L1
     * when the loop gets there; returns those floats' bits xor-ed together, which the caller keeps
     * so that the JIT cannot drop the reads.
     */
    static int overwrite(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        FloatVector c80 = FloatVector.zero(SPECIES), c81 = FloatVector.zero(SPECIES);
        FloatVector c90 = FloatVector.zero(SPECIES), c91 = FloatVector.zero(SPECIES);
        FloatVector c100 = FloatVector.zero(SPECIES), c101 = FloatVector.zero(SPECIES);
        FloatVector c110 = FloatVector.zero(SPECIES), c111 = FloatVector.zero(SPECIES);
        FloatVector c120 = FloatVector.zero(SPECIES), c121 = FloatVector.zero(SPECIES);
        FloatVector c130 = FloatVector.zero(SPECIES), c131 = FloatVector.zero(SPECIES);
        int touched = 0;
        int b = bpOff;
        for (int a = apOff, end = apOff + kc; a < end; a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
            touched ^= Float.floatToRawIntBits(bp[b + AHEAD]) ^ Float.floatToRawIntBits(bp[b + AHEAD + VL]);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1 * KC]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2 * KC]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3 * KC]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, ap[a + 4 * KC]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5 * KC]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, ap[a + 6 * KC]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, ap[a + 7 * KC]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(SPECIES, ap[a + 8 * KC]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(SPECIES, ap[a + 9 * KC]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(SPECIES, ap[a + 10 * KC]);
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(SPECIES, ap[a + 11 * KC]);
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
            x = FloatVector.broadcast(SPECIES, ap[a + 12 * KC]);
            c120 = x.fma(b0, c120);
            c121 = x.fma(b1, c121);
            x = FloatVector.broadcast(SPECIES, ap[a + 13 * KC]);
            c130 = x.fma(b0, c130);
            c131 = x.fma(b1, c131);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + VL);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + VL);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + VL);
        c60.intoArray(c, cOff + 6 * ldc);
        c61.intoArray(c, cOff + 6 * ldc + VL);
        c70.intoArray(c, cOff + 7 * ldc);
        c71.intoArray(c, cOff + 7 * ldc + VL);
        c80.intoArray(c, cOff + 8 * ldc);
        c81.intoArray(c, cOff + 8 * ldc + VL);
        c90.intoArray(c, cOff + 9 * ldc);
        c91.intoArray(c, cOff + 9 * ldc + VL);
        c100.intoArray(c, cOff + 10 * ldc);
        c101.intoArray(c, cOff + 10 * ldc + VL);
        c110.intoArray(c, cOff + 11 * ldc);
        c111.intoArray(c, cOff + 11 * ldc + VL);
        c120.intoArray(c, cOff + 12 * ldc);
        c121.intoArray(c, cOff + 12 * ldc + VL);
        c130.intoArray(c, cOff + 13 * ldc);
        c131.intoArray(c, cOff + 13 * ldc + VL);
        return touched;
    }

    /** As {@link #overwrite}, but C[MR x NR] += acc. */
    static int accumulate(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        FloatVector c60 = FloatVector.zero(SPECIES), c61 = FloatVector.zero(SPECIES);
        FloatVector c70 = FloatVector.zero(SPECIES), c71 = FloatVector.zero(SPECIES);
        FloatVector c80 = FloatVector.zero(SPECIES), c81 = FloatVector.zero(SPECIES);
        FloatVector c90 = FloatVector.zero(SPECIES), c91 = FloatVector.zero(SPECIES);
        FloatVector c100 = FloatVector.zero(SPECIES), c101 = FloatVector.zero(SPECIES);
        FloatVector c110 = FloatVector.zero(SPECIES), c111 = FloatVector.zero(SPECIES);
        FloatVector c120 = FloatVector.zero(SPECIES), c121 = FloatVector.zero(SPECIES);
        FloatVector c130 = FloatVector.zero(SPECIES), c131 = FloatVector.zero(SPECIES);
        int touched = 0;
        int b = bpOff;
        for (int a = apOff, end = apOff + kc; a < end; a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
            touched ^= Float.floatToRawIntBits(bp[b + AHEAD]) ^ Float.floatToRawIntBits(bp[b + AHEAD + VL]);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1 * KC]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2 * KC]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3 * KC]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, ap[a + 4 * KC]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5 * KC]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(SPECIES, ap[a + 6 * KC]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(SPECIES, ap[a + 7 * KC]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(SPECIES, ap[a + 8 * KC]);
            c80 = x.fma(b0, c80);
            c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(SPECIES, ap[a + 9 * KC]);
            c90 = x.fma(b0, c90);
            c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(SPECIES, ap[a + 10 * KC]);
            c100 = x.fma(b0, c100);
            c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(SPECIES, ap[a + 11 * KC]);
            c110 = x.fma(b0, c110);
            c111 = x.fma(b1, c111);
            x = FloatVector.broadcast(SPECIES, ap[a + 12 * KC]);
            c120 = x.fma(b0, c120);
            c121 = x.fma(b1, c121);
            x = FloatVector.broadcast(SPECIES, ap[a + 13 * KC]);
            c130 = x.fma(b0, c130);
            c131 = x.fma(b1, c131);
        }
        c00.add(FloatVector.fromArray(SPECIES, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(SPECIES, c, cOff + VL)).intoArray(c, cOff + VL);
        c10.add(FloatVector.fromArray(SPECIES, c, cOff + ldc)).intoArray(c, cOff + ldc);
        c11.add(FloatVector.fromArray(SPECIES, c, cOff + ldc + VL)).intoArray(c, cOff + ldc + VL);
        c20.add(FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc + VL)).intoArray(c, cOff + 2 * ldc + VL);
        c30.add(FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc + VL)).intoArray(c, cOff + 3 * ldc + VL);
        c40.add(FloatVector.fromArray(SPECIES, c, cOff + 4 * ldc)).intoArray(c, cOff + 4 * ldc);
        c41.add(FloatVector.fromArray(SPECIES, c, cOff + 4 * ldc + VL)).intoArray(c, cOff + 4 * ldc + VL);
        c50.add(FloatVector.fromArray(SPECIES, c, cOff + 5 * ldc)).intoArray(c, cOff + 5 * ldc);
        c51.add(FloatVector.fromArray(SPECIES, c, cOff + 5 * ldc + VL)).intoArray(c, cOff + 5 * ldc + VL);
        c60.add(FloatVector.fromArray(SPECIES, c, cOff + 6 * ldc)).intoArray(c, cOff + 6 * ldc);
        c61.add(FloatVector.fromArray(SPECIES, c, cOff + 6 * ldc + VL)).intoArray(c, cOff + 6 * ldc + VL);
        c70.add(FloatVector.fromArray(SPECIES, c, cOff + 7 * ldc)).intoArray(c, cOff + 7 * ldc);
        c71.add(FloatVector.fromArray(SPECIES, c, cOff + 7 * ldc + VL)).intoArray(c, cOff + 7 * ldc + VL);
        c80.add(FloatVector.fromArray(SPECIES, c, cOff + 8 * ldc)).intoArray(c, cOff + 8 * ldc);
        c81.add(FloatVector.fromArray(SPECIES, c, cOff + 8 * ldc + VL)).intoArray(c, cOff + 8 * ldc + VL);
        c90.add(FloatVector.fromArray(SPECIES, c, cOff + 9 * ldc)).intoArray(c, cOff + 9 * ldc);
        c91.add(FloatVector.fromArray(SPECIES, c, cOff + 9 * ldc + VL)).intoArray(c, cOff + 9 * ldc + VL);
        c100.add(FloatVector.fromArray(SPECIES, c, cOff + 10 * ldc)).intoArray(c, cOff + 10 * ldc);
        c101.add(FloatVector.fromArray(SPECIES, c, cOff + 10 * ldc + VL)).intoArray(c, cOff + 10 * ldc + VL);
        c110.add(FloatVector.fromArray(SPECIES, c, cOff + 11 * ldc)).intoArray(c, cOff + 11 * ldc);
        c111.add(FloatVector.fromArray(SPECIES, c, cOff + 11 * ldc + VL)).intoArray(c, cOff + 11 * ldc + VL);
        c120.add(FloatVector.fromArray(SPECIES, c, cOff + 12 * ldc)).intoArray(c, cOff + 12 * ldc);
        c121.add(FloatVector.fromArray(SPECIES, c, cOff + 12 * ldc + VL)).intoArray(c, cOff + 12 * ldc + VL);
        c130.add(FloatVector.fromArray(SPECIES, c, cOff + 13 * ldc)).intoArray(c, cOff + 13 * ldc);
        c131.add(FloatVector.fromArray(SPECIES, c, cOff + 13 * ldc + VL)).intoArray(c, cOff + 13 * ldc + VL);
        return touched;
    }
}
