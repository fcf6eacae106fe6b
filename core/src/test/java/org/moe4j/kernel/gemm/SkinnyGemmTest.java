package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Products with few rows of C (a decoding step of a few sequences) run without packing, and each row
 * must come out bit for bit as it does alone: a token decodes identically in a batch or by itself.
 */
class SkinnyGemmTest {
    @Test
    void everyRowEqualsTheSingleRowProductBitForBit() {
        Rng rng = new Rng(11);
        for (int m : new int[] {2, 3, 5, 8, 9}) {
            for (int[] nk : new int[][] {{37, 70}, {300, 256}, {1030, 129}}) {
                int n = nk[0], k = nk[1];
                float[] a = Init.normal(Tensor.zeros(m, k), rng, 0, 1).toArray();
                float[] w = Init.normal(Tensor.zeros(n, k), rng, 0, 1).toArray();
                float[] c = new float[m * n];
                Gemm.gemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, c, 0, n);
                float[] expected = new float[m * n];
                GemmReference.gemm(false, true, m, n, k, 1f, a, 0, k, w, 0, k, 0f, expected, 0, n);
                for (int i = 0; i < m; i++) {
                    float[] one = new float[n];
                    Gemm.gemm(false, true, 1, n, k, 1f, a, i * k, k, w, 0, k, 0f, one, 0, n);
                    for (int j = 0; j < n; j++) {
                        if (m <= GemmSchedule.SKINNY_MAX_ROWS) {
                            assertEquals(Float.floatToIntBits(one[j]), Float.floatToIntBits(c[i * n + j]),
                                    "m=" + m + " n=" + n + " k=" + k + " row " + i + " column " + j);
                        }
                        assertEquals(expected[i * n + j], c[i * n + j], 1e-3 * Math.sqrt(k), "against the reference");
                    }
                }
            }
        }
    }
}
