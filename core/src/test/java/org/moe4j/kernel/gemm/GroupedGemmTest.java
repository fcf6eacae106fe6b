package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

class GroupedGemmTest {
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    /** MoE forward layout: rows of A and C stacked group after group, one [n x k] weight per group. */
    private record Stacked(int[] rows, int[] m, int[] n, int[] k, int[] aOff, int[] bOff, int[] cOff,
                           float[] a, float[] b, float[] c) {}

    private static Stacked stacked(Rng rng, int[] rows, int n, int k) {
        int groups = rows.length;
        int[] ns = new int[groups], ks = new int[groups], aOff = new int[groups], bOff = new int[groups], cOff = new int[groups];
        int total = 0;
        for (int g = 0; g < groups; g++) {
            ns[g] = n;
            ks[g] = k;
            aOff[g] = total * k;
            bOff[g] = g * n * k;
            cOff[g] = total * n;
            total += rows[g];
        }
        return new Stacked(rows, rows.clone(), ns, ks, aOff, bOff, cOff,
                GemmAssert.random(rng, total * k), GemmAssert.random(rng, groups * n * k), GemmAssert.random(rng, total * n));
    }

    @Test
    void unevenGroupsIncludingEmptyOnesAgreeWithTheReference() {
        Rng rng = new Rng(5);
        for (int trial = 0; trial < 30; trial++) {
            int groups = 1 + rng.nextInt(9);
            int[] rows = new int[groups];
            for (int g = 0; g < groups; g++) {
                rows[g] = rng.nextInt(4) == 0 ? 0 : rng.nextInt(trial < 25 ? 40 : 400);
            }
            int n = 1 + rng.nextInt(70), k = 1 + rng.nextInt(70);
            float beta = trial % 3 == 0 ? 0f : 0.5f;
            Stacked s = stacked(rng, rows, n, k);
            float[] before = s.c().clone();
            GroupedGemm.gemm(false, true, s.m(), s.n(), s.k(), 1.5f, s.a(), s.aOff(), k, s.b(), s.bOff(), k,
                    beta, s.c(), s.cOff(), n);
            for (int g = 0; g < groups; g++) {
                float[] beforeGroup = before.clone();
                // outside group g the check compares against what the grouped call produced there
                for (int i = 0; i < before.length; i++) {
                    if (i < s.cOff()[g] || i >= s.cOff()[g] + rows[g] * n) {
                        beforeGroup[i] = s.c()[i];
                    }
                }
                GemmCall call = new GemmCall(false, true, rows[g], n, k, 1.5f, s.a(), s.aOff()[g], k, s.b(), s.bOff()[g], k,
                        beta, s.c(), s.cOff()[g], n);
                GemmAssert.assertAgrees("trial " + trial + " group " + g + " of " + groups, call, beforeGroup, s.c());
            }
        }
    }

    @Test
    void eachGroupIsBitIdenticalToItsOwnGemmCallInEveryForm() {
        Rng rng = new Rng(9);
        for (int form = 0; form < 4; form++) {
            boolean transA = (form & 1) == 1, transB = (form & 2) == 2;
            // backward's dW_g = dY_g^T . X_g: the depth k differs per group
            int[] m = {37, 0, 200, 5}, n = {50, 50, 50, 50}, k = {300, 17, 1, 64};
            int[] aOff = new int[4], bOff = new int[4], cOff = new int[4];
            int lda = 300, ldb = 300, ldc = 64;
            for (int g = 1; g < 4; g++) {
                aOff[g] = aOff[g - 1] + 300 * 300;
                bOff[g] = bOff[g - 1] + 300 * 300;
                cOff[g] = cOff[g - 1] + 200 * ldc;
            }
            float[] a = GemmAssert.random(rng, 4 * 300 * 300), b = GemmAssert.random(rng, 4 * 300 * 300);
            float[] grouped = GemmAssert.random(rng, 4 * 200 * ldc);
            float[] separate = grouped.clone();
            KernelPool.setThreads(2);
            GroupedGemm.gemm(transA, transB, m, n, k, 0.5f, a, aOff, lda, b, bOff, ldb, 2f, grouped, cOff, ldc);
            KernelPool.setThreads(1);
            for (int g = 0; g < 4; g++) {
                Gemm.gemm(transA, transB, m[g], n[g], k[g], 0.5f, a, aOff[g], lda, b, bOff[g], ldb, 2f, separate, cOff[g], ldc);
            }
            assertArrayEquals(separate, grouped, "form " + form);
        }
    }

    @Test
    void badGroupsNameTheGroupAndTheRange() {
        float[] x = new float[64];
        var lengths = assertThrows(IllegalArgumentException.class, () -> GroupedGemm.gemm(false, false,
                new int[] {2, 2}, new int[] {2}, new int[] {2, 2}, 1f, x, new int[] {0, 4}, 2, x, new int[] {0, 4}, 2,
                0f, x, new int[] {0, 4}, 2));
        assertTrue(lengths.getMessage().startsWith("groupedGemm: per-group arrays must have one entry per group"),
                lengths.getMessage());
        var bounds = assertThrows(IndexOutOfBoundsException.class, () -> GroupedGemm.gemm(false, false,
                new int[] {2, 2}, new int[] {2, 2}, new int[] {2, 2}, 1f, x, new int[] {0, 62}, 2, x, new int[] {0, 4}, 2,
                0f, x, new int[] {0, 4}, 2));
        assertEquals("groupedGemm group 1: A [2 x 2] with leading dimension 2 at offset 62 needs 66 floats, the array has 64",
                bounds.getMessage());
        var negative = assertThrows(IllegalArgumentException.class, () -> GroupedGemm.gemm(false, false,
                new int[] {-3}, new int[] {2}, new int[] {2}, 1f, x, new int[] {0}, 2, x, new int[] {0}, 2,
                0f, x, new int[] {0}, 2));
        assertEquals("groupedGemm group 0: sizes M=-3 N=2 K=2 must all be >= 0", negative.getMessage());
    }
}
