package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile at the centre of the blocked GEMM: an MR x NR block of C kept in vector
 * registers while kc rank-1 updates stream through it (Goto and van de Geijn, "Anatomy of
 * High-Performance Matrix Multiplication", 2008, section 6; the same shape as BLIS's micro-kernel).
 * Per step p it loads NR/VL vectors of one packed B row and broadcasts MR packed A values:
 * MR * NR/VL fused multiply-adds for MR + NR/VL loads. With AVX-512 (VL = 16) the tile is 6 x 32,
 * 12 accumulators; other vector widths keep 6 rows and two vectors.
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
     * C[rows x cols] (at cOff, leading dimension ldc) = acc + beta * C, where acc = sum over p < kc of
     * ap[p][r] * bp[p][j]; ap is a packed A panel (kc x MR, MR contiguous per p), bp a packed B panel
     * (kc x NR). rows <= MR and cols <= NR; the packing pads the rest with zeros. beta == 0 ignores
     * what C held (so NaN there does not leak).
     */
    static void multiply(int kc, float[] ap, int apOff, float[] bp, int bpOff,
                         float[] c, int cOff, int ldc, int rows, int cols, float beta, float[] edge) {
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
        if (rows == MR && cols == NR) {
            store(c00, c01, c, cOff, beta);
            store(c10, c11, c, cOff + ldc, beta);
            store(c20, c21, c, cOff + 2 * ldc, beta);
            store(c30, c31, c, cOff + 3 * ldc, beta);
            store(c40, c41, c, cOff + 4 * ldc, beta);
            store(c50, c51, c, cOff + 5 * ldc, beta);
            return;
        }
        // a partial tile at the matrix edge: spill the registers, then copy only the valid part
        c00.intoArray(edge, 0);
        c01.intoArray(edge, VL);
        c10.intoArray(edge, NR);
        c11.intoArray(edge, NR + VL);
        c20.intoArray(edge, 2 * NR);
        c21.intoArray(edge, 2 * NR + VL);
        c30.intoArray(edge, 3 * NR);
        c31.intoArray(edge, 3 * NR + VL);
        c40.intoArray(edge, 4 * NR);
        c41.intoArray(edge, 4 * NR + VL);
        c50.intoArray(edge, 5 * NR);
        c51.intoArray(edge, 5 * NR + VL);
        for (int r = 0; r < rows; r++) {
            int ci = cOff + r * ldc;
            for (int j = 0; j < cols; j++) {
                c[ci + j] = beta == 0f ? edge[r * NR + j] : edge[r * NR + j] + beta * c[ci + j];
            }
        }
    }

    private static void store(FloatVector lo, FloatVector hi, float[] c, int at, float beta) {
        if (beta != 0f) {
            FloatVector scale = FloatVector.broadcast(SPECIES, beta);
            lo = FloatVector.fromArray(SPECIES, c, at).fma(scale, lo);
            hi = FloatVector.fromArray(SPECIES, c, at + VL).fma(scale, hi);
        }
        lo.intoArray(c, at);
        hi.intoArray(c, at + VL);
    }
}
