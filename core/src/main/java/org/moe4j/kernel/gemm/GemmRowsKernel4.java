package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The 4-row register tile of {@link GemmMicroKernel4} for an A panel packed as rows (step p of row r
 * at {@code ap[apOff + r * KC + p]}), as {@link GemmRowsKernel6} is for the 6-row tile; the same
 * bits as every other tile. Written out in full, in two methods, for the reasons given in
 * {@link GemmMicroKernel}.
 * <p>
 * The two methods are written by the test-side generator {@code GemmKernelText}, the one definition of
 * all the tiles; {@code GemmKernelSourceTest} fails if they are edited here.
 */
final class GemmRowsKernel4 {
    /** Floats from one row of a packed panel to the next: the depth block's largest size. */
    static final int KC = BlockedGemm.KC;
    /** Rows of the register tile. */
    static final int MR = 4;

    private GemmRowsKernel4() {}

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
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + VL);
        c10.intoArray(c, cOff + ldc);
        c11.intoArray(c, cOff + ldc + VL);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + VL);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + VL);
    }

    /** As {@link #overwrite}, but C[MR x NR] += acc. */
    static void accumulate(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
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
        }
        c00.add(FloatVector.fromArray(SPECIES, c, cOff)).intoArray(c, cOff);
        c01.add(FloatVector.fromArray(SPECIES, c, cOff + VL)).intoArray(c, cOff + VL);
        c10.add(FloatVector.fromArray(SPECIES, c, cOff + ldc)).intoArray(c, cOff + ldc);
        c11.add(FloatVector.fromArray(SPECIES, c, cOff + ldc + VL)).intoArray(c, cOff + ldc + VL);
        c20.add(FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc)).intoArray(c, cOff + 2 * ldc);
        c21.add(FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc + VL)).intoArray(c, cOff + 2 * ldc + VL);
        c30.add(FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc)).intoArray(c, cOff + 3 * ldc);
        c31.add(FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc + VL)).intoArray(c, cOff + 3 * ldc + VL);
    }
}
