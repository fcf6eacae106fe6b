package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * The 14-row micro-kernels read the B panel {@link BlockedGemm#AHEAD} floats ahead of their loads
 * (a software prefetch): what they read there never reaches C. Each kernel, overwriting and
 * accumulating, on a panel followed by NaNs gives the bits of a scalar fused multiply-add chain over
 * p (the order every tile sums in), and agrees with {@link GemmReference}; a B buffer without the
 * AHEAD floats past the panel is refused by the array bounds, not read past silently.
 */
class GemmReadAheadTest {
    private static final int NR = GemmMicroKernel.NR;
    private static final int MR = 14;
    private static final int KC = BlockedGemm.KC;

    @Test
    void whatTheKernelsReadAheadNeverReachesC() {
        Rng rng = new Rng(21);
        for (int kc : new int[] {KC, 37}) {
            float[] a = GemmAssert.random(rng, MR * kc);       // op(A) [MR x kc], row-major
            float[] b = GemmAssert.random(rng, kc * NR);       // op(B) [kc x NR], row-major: one packed panel
            int bpOff = 3 * NR;
            float[] bp = new float[bpOff + kc * NR + BlockedGemm.AHEAD];
            Arrays.fill(bp, Float.NaN);                        // before the panel and all of what lies ahead
            System.arraycopy(b, 0, bp, bpOff, kc * NR);
            float[] rows = new float[MR * KC];                 // A as rows of KC floats (GemmRowsKernel14)
            float[] steps = new float[kc * MR];                // A step by step (GemmMicroKernel14)
            for (int r = 0; r < MR; r++) {
                for (int p = 0; p < kc; p++) {
                    rows[r * KC + p] = a[r * kc + p];
                    steps[p * MR + r] = a[r * kc + p];
                }
            }
            int ldc = NR + 5;
            float[] c0 = GemmAssert.random(rng, MR * ldc);
            float[] chain = new float[MR * ldc];
            float[] sum = new float[MR * ldc];
            for (int r = 0; r < MR; r++) {
                for (int j = 0; j < NR; j++) {
                    float acc = 0f;
                    for (int p = 0; p < kc; p++) {
                        acc = Math.fma(a[r * kc + p], b[p * NR + j], acc);
                    }
                    chain[r * ldc + j] = acc;
                    sum[r * ldc + j] = c0[r * ldc + j] + acc;
                }
            }
            float[] reference = new float[MR * NR];
            GemmReference.gemm(false, false, MR, NR, kc, 1f, a, 0, kc, b, 0, NR, 0f, reference, 0, NR);
            for (boolean aRows : new boolean[] {true, false}) {
                String what = "kc " + kc + (aRows ? " GemmRowsKernel14" : " GemmMicroKernel14");
                float[] ap = aRows ? rows : steps;
                float[] over = new float[MR * ldc];
                Arrays.fill(over, Float.NaN);
                float[] acc = c0.clone();
                if (aRows) {
                    GemmRowsKernel14.overwrite(kc, ap, 0, bp, bpOff, over, 0, ldc);
                    GemmRowsKernel14.accumulate(kc, ap, 0, bp, bpOff, acc, 0, ldc);
                } else {
                    GemmMicroKernel14.overwrite(kc, ap, 0, bp, bpOff, over, 0, ldc);
                    GemmMicroKernel14.accumulate(kc, ap, 0, bp, bpOff, acc, 0, ldc);
                }
                for (int r = 0; r < MR; r++) {
                    int row = r * ldc;
                    assertArrayEquals(Arrays.copyOfRange(chain, row, row + NR), Arrays.copyOfRange(over, row, row + NR),
                            what + " overwrite, row " + r);
                    assertArrayEquals(Arrays.copyOfRange(sum, row, row + NR), Arrays.copyOfRange(acc, row, row + NR),
                            what + " accumulate, row " + r);
                    // the columns of C past the tile are left alone
                    assertArrayEquals(Arrays.copyOfRange(c0, row + NR, row + ldc), Arrays.copyOfRange(acc, row + NR, row + ldc),
                            what + " accumulate wrote past the tile in row " + r);
                    for (int j = 0; j < NR; j++) {
                        float ref = reference[r * NR + j];
                        float tol = 1e-5f * kc * (1 + Math.abs(ref));
                        if (Math.abs(over[row + j] - ref) > tol) {
                            throw new AssertionError(what + ": C[" + r + "][" + j + "] = " + over[row + j]
                                    + ", GemmReference " + ref);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBFromBufferWithoutRoomToReadAheadIsRefused() {
        float[] ap = new float[MR * KC];
        float[] bp = new float[KC * NR];                       // the panel and nothing past it
        float[] c = new float[MR * NR];
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> GemmRowsKernel14.overwrite(KC, ap, 0, bp, 0, c, 0, NR));
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> GemmMicroKernel14.accumulate(KC, new float[KC * MR], 0, bp, 0, c, 0, NR));
    }
}
