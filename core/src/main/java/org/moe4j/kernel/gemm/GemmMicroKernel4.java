package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;
import static org.moe4j.kernel.gemm.GemmMicroKernel.SPECIES;
import static org.moe4j.kernel.gemm.GemmMicroKernel.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The short register tile for CPUs with 16 vector registers (AVX2): 4 rows of two vectors, 8
 * accumulators. The 6-row tile of {@link GemmMicroKernel} needs 12 accumulators, two B vectors and a
 * broadcast, 15 of the 16 registers, and C2 keeps several broadcasts live at once, so with AVX2 it
 * spilled two accumulators to the stack in every step (seen in the compiled loop; on the Xeon of
 * docs/performance.md with {@code -XX:UseAVX=2}, thread CPU time, a throwaway harness: 68 to 76 GFLOP/s
 * for the 6-row tile against 93 to 98 for this one, whose 4 x 16 floats leave room). Each element of
 * C is summed over p in the same order as in the other tiles, so all give the same bits. Written out
 * in full, in two methods, for the reasons given in {@link GemmMicroKernel}.
 * <p>
 * The two methods are written by the test-side generator {@code GemmKernelText}, the one definition of
 * all the tiles; {@code GemmKernelSourceTest} fails if they are edited here.
 */
final class GemmMicroKernel4 {
    /** Rows of the register tile. */
    static final int MR = 4;

    private GemmMicroKernel4() {}

    /**
     * C[MR x NR] (at cOff, leading dimension ldc) = acc, where acc[r][j] = sum over p < kc of
     * ap[p][r] * bp[p][j]; ap is a packed A panel (kc x MR, MR contiguous per p), bp a packed B panel
     * (kc x NR). What C held, NaN included, is ignored. Only full tiles: the caller runs edge tiles
     * into a scratch tile.
     */
    static void overwrite(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = FloatVector.zero(SPECIES);
        FloatVector c10 = FloatVector.zero(SPECIES), c11 = FloatVector.zero(SPECIES);
        FloatVector c20 = FloatVector.zero(SPECIES), c21 = FloatVector.zero(SPECIES);
        FloatVector c30 = FloatVector.zero(SPECIES), c31 = FloatVector.zero(SPECIES);
        int a = apOff;
        int b = bpOff;
        for (int p = 0; p < kc; p++, a += MR, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3]);
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
        int a = apOff;
        int b = bpOff;
        for (int p = 0; p < kc; p++, a += MR, b += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);
            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);
            FloatVector x = FloatVector.broadcast(SPECIES, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, ap[a + 3]);
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
