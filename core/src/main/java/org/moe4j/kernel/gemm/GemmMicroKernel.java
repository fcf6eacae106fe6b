package org.moe4j.kernel.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile at the centre of the blocked GEMM: an MR x NR block of C kept in vector
 * registers while kc rank-1 updates stream through it (Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", 2008, section 6; the same shape as BLIS's micro-kernel).
 * Per step p it loads NR/VL vectors of one packed B row and broadcasts MR packed A values:
 * MR * NR/VL fused multiply-adds for MR + NR/VL loads. With AVX-512 (VL = 16) the tile is 6 x 32,
 * 12 accumulators; other vector widths keep 6 rows and two vectors.
 * <p>
 * Every load and store is written out in each method rather than in a helper: past a node budget C2
 * stops inlining, and a vector passed to a call that is not inlined is boxed on the heap, which costs
 * an order of magnitude. Overwriting and accumulating are two methods, not a flag: with a flag, C2
 * compiled the branch a run had seen so far, and the first call that took the other one hit an
 * uncommon trap that threw the kernel back to the interpreter (0.3 GFLOP/s) for the seconds a
 * recompile takes on a loaded machine (seen with -XX:+PrintCompilation as "made not entrant").
 * <p>
 * The two methods are written by the test-side generator {@code GemmKernelText}, the one definition of
 * all the tiles; {@code GemmKernelSourceTest} fails if they are edited here.
 */
final class GemmMicroKernel {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int VL = SPECIES.length();
    /** Rows of the register tile. */
    static final int MR = 6;
    /** Columns of the register tile: two vectors. */
    static final int NR = 2 * VL;

    private GemmMicroKernel() {}

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
        FloatVector c40 = FloatVector.zero(SPECIES), c41 = FloatVector.zero(SPECIES);
        FloatVector c50 = FloatVector.zero(SPECIES), c51 = FloatVector.zero(SPECIES);
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
            x = FloatVector.broadcast(SPECIES, ap[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5]);
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
            x = FloatVector.broadcast(SPECIES, ap[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, ap[a + 5]);
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
