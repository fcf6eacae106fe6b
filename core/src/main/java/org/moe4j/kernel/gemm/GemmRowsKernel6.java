package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The 6-row register tile of {@link GemmMicroKernel} for an A panel packed as rows: row r of the panel
 * is KC floats long, step p of row r at {@code ap[apOff + r * KC + p]}. Packing an untransposed A
 * that way is one contiguous copy per row (a vector copy), where the step-major order of
 * {@link GemmMicroKernel} gathers 6 values from 6 rows for every step: a JFR profile of training put
 * that gather at a fifth of the step, because the model's products are narrow (N of 64 to 384 against
 * M of 2048) and each packed value of A feeds only N multiply-adds. KC is a constant so that the
 * broadcasts keep constant displacements, as in the step-major tile; reading 6 rows of an L1-resident
 * panel ran as fast as reading one (a harness timed both at 160 to 180 GFLOP/s on the Xeon of
 * docs/performance.md). Every element of C is summed over p in the same order as in {@link GemmMicroKernel},
 * so both layouts give bit-identical results. Written out in full, in two methods, for the reasons
 * given in {@link GemmMicroKernel}. The loop counts the A index itself ({@code a < end}) rather than a
 * separate step p: with a step counter C2 spilled two of the 14-row tile's accumulators to the stack in
 * every iteration when the JVM ran the parallel collector (the launcher's), 144 against 179 GFLOP/s.
 * <p>
 * The two methods are written by the test-side generator {@code GemmKernelText}, the one definition of
 * all the tiles; {@code GemmKernelSourceTest} fails if they are edited here.
 */
final class GemmRowsKernel6 {
    /** Floats from one row of a packed panel to the next: the depth block's largest size. */
    static final int KC = BlockedGemm.KC;
    /** Rows of the register tile. */
    static final int MR = 6;

    private GemmRowsKernel6() {}

    /**
     * C[MR x NR] (at cOff, leading dimension ldc) = acc, where acc[r][j] = sum over p < kc of
     * ap[p][r] * bp[p][j]; ap holds the A panel as rows: ap[apOff + r * KC + p], bp a packed B panel
     * (kc x NR). What C held, NaN included, is ignored. Only full tiles: the caller runs edge tiles
     * into a scratch tile.
     */
    static void overwrite(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        int b = bpOff;
        for (int a = apOff, end = apOff + kc; a < end; a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
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
    }

    /** As {@link #overwrite}, but C[MR x NR] += acc. */
    static void accumulate(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
        int b = bpOff;
        for (int a = apOff, end = apOff + kc; a < end; a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
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
    }
}
