package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Rng;

/** Every plan, tile and loop order agrees with the scalar reference and with every other bit for bit. */
class GemmPlanTest {
    private static final int NR = GemmMicroKernel.NR;
    private final int threadsBefore = KernelPool.threads();

    @AfterEach
    void restoreThreads() {
        KernelPool.setThreads(threadsBefore);
    }

    /** Both tiles in both orders, with blocks small enough that these shapes cross several of each. */
    private static List<GemmPlan> plans() {
        List<GemmPlan> out = new ArrayList<>();
        for (GemmTile tile : GemmTile.values()) {
            for (boolean rowsOuter : new boolean[] {false, true}) {
                out.add(new GemmPlan(tile, 2 * tile.rows, 2 * NR, rowsOuter, "test"));
                out.add(new GemmPlan(tile, 20 * tile.rows, 64 * NR, rowsOuter, "test"));
            }
        }
        return out;
    }

    @Test
    void everyPlanAgreesWithTheReferenceAndGivesTheSameBits() {
        Rng rng = new Rng(5);
        int[][] shapes = {{61, 150, 530}, {29, 3 * NR + 5, 257}, {100, 40, 7}};
        for (int[] s : shapes) {
            for (int form = 0; form < 4; form++) {
                boolean transA = (form & 1) == 1, transB = (form & 2) == 2;
                int m = s[0], n = s[1], k = s[2];
                float[] a = GemmAssert.random(rng, m * k);
                float[] b = GemmAssert.random(rng, k * n);
                float[] c0 = GemmAssert.random(rng, m * n);
                float[] first = null;
                for (GemmPlan plan : plans()) {
                    for (boolean shared : new boolean[] {false, true}) {
                        float[] c = c0.clone();
                        GemmCall g = new GemmCall(transA, transB, m, n, k, 0.75f, a, 0, transA ? m : k,
                                b, 0, transB ? k : n, 0.5f, c, 0, n);
                        String what = m + "x" + n + "x" + k + " form " + form + " " + plan.shape() + (shared ? " shared" : "");
                        if (shared) {
                            KernelPool.setThreads(Math.min(2, threadsBefore));
                            BlockedGemm.computeShared(plan, g);
                        } else {
                            BlockedGemm.compute(plan, g, 0, m, 0, n);
                        }
                        GemmAssert.assertAgrees(what, g, c0, c);
                        if (first == null) {
                            first = c;
                        } else {
                            assertArrayEquals(first, c, what + " differs from the first plan's bits");
                        }
                    }
                }
            }
        }
    }

    /**
     * op(A) stored as A (packed as rows, {@link GemmRowsKernel14}) and stored transposed (packed step
     * by step, {@link GemmMicroKernel14}) is the same product summed in the same order: the same bits,
     * for every plan, alpha 1 (a plain copy) and not, with a ragged last panel and several depth blocks.
     */
    @Test
    void bothPackedLayoutsOfAGiveTheSameBits() {
        Rng rng = new Rng(11);
        int[][] shapes = {{61, 150, 530}, {15, NR + 3, 300}, {100, 40, 7}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = GemmAssert.random(rng, m * k);
            float[] aT = new float[k * m];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    aT[p * m + i] = a[i * k + p];
                }
            }
            float[] b = GemmAssert.random(rng, k * n);
            float[] c0 = GemmAssert.random(rng, m * n);
            for (float alpha : new float[] {1f, -1.25f}) {
                for (GemmPlan plan : plans()) {
                    float[] rows = c0.clone();
                    float[] steps = c0.clone();
                    GemmCall plain = new GemmCall(false, false, m, n, k, alpha, a, 0, k, b, 0, n, 0.5f, rows, 0, n);
                    GemmCall transposed = new GemmCall(true, false, m, n, k, alpha, aT, 0, m, b, 0, n, 0.5f, steps, 0, n);
                    BlockedGemm.compute(plan, plain, 0, m, 0, n);
                    BlockedGemm.compute(plan, transposed, 0, m, 0, n);
                    String what = m + "x" + n + "x" + k + " alpha " + alpha + " " + plan.shape();
                    GemmAssert.assertAgrees(what, plain, c0, rows);
                    assertArrayEquals(steps, rows, what + ": A as rows and A^T step by step differ");
                }
            }
        }
    }

    @Test
    void invalidPlansNameTheFieldAndTheRange() {
        IllegalArgumentException mc = assertThrows(IllegalArgumentException.class,
                () -> new GemmPlan(GemmTile.ROWS_14, 30, NR, false, "x"));
        assertEquals("GemmPlan.mc is 30, must be a multiple of the tile's 14 rows in [14, 4096]", mc.getMessage());
        IllegalArgumentException nc = assertThrows(IllegalArgumentException.class,
                () -> new GemmPlan(GemmTile.ROWS_6, 12, NR + 1, false, "x"));
        assertEquals("GemmPlan.nc is " + (NR + 1) + ", must be a multiple of NR = " + NR + " in [" + NR + ", 65536]",
                nc.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GemmPlan(GemmTile.ROWS_6, 12, NR, false, " "));
    }

    @Test
    void theTableFitsTheRegistersOfEveryKindOfCore() {
        CpuInfo intel = new CpuInfo("amd64", "GenuineIntel", 6, 207, "Xeon", 512, 48 << 10, 2 << 20, 2);
        CpuInfo zen4 = new CpuInfo("amd64", "AuthenticAMD", 0x19, 0x61, "EPYC", 512, 32 << 10, 1 << 20, 8);
        CpuInfo zen5 = new CpuInfo("amd64", "AuthenticAMD", 0x1a, 0x44, "Ryzen", 512, 48 << 10, 1 << 20, 16);
        CpuInfo avx2 = new CpuInfo("amd64", "GenuineIntel", 6, 94, "Core", 256, 32 << 10, 256 << 10, 4);
        CpuInfo arm = new CpuInfo("aarch64", "0x41", -1, -1, "", 128, 64 << 10, 1 << 20, 4);
        assertEquals(CoreKind.INTEL_AVX512, CoreKind.of(intel));
        assertEquals(CoreKind.AMD_ZEN4, CoreKind.of(zen4));
        assertEquals(CoreKind.AMD_ZEN5, CoreKind.of(zen5));
        assertEquals(CoreKind.AVX2, CoreKind.of(avx2));
        assertEquals(CoreKind.ARM, CoreKind.of(arm));
        assertEquals(GemmTile.ROWS_14, GemmPlanTable.plan(intel).tile());
        assertEquals(GemmTile.ROWS_6, GemmPlanTable.plan(zen5).tile());
        assertEquals(GemmTile.ROWS_4, GemmPlanTable.plan(avx2).tile());
        for (CpuInfo cpu : List.of(intel, zen4, zen5, avx2, arm)) {
            List<GemmPlan> candidates = GemmPlanTable.candidates(cpu);
            assertEquals(GemmPlanTable.plan(cpu).shape(), candidates.get(0).shape(), "the table's plan is timed first");
            for (GemmPlan p : candidates) {
                assertEquals(true, p.tile().registers <= CoreKind.of(cpu).registers, cpu + " " + p);
                assertEquals(true, cpu.l2() == 0 || (long) p.mc() * BlockedGemm.KC * 4 <= cpu.l2() / 4 + 4 * p.tile().rows * BlockedGemm.KC * 4,
                        "the A block stays within a quarter of L2: " + cpu + " " + p);
            }
        }
        assertEquals(8, GemmPlanTable.candidates(intel).size(), "32 registers: 2 tiles x 2 block sizes x 2 orders");
        // 16 registers: the 4- and 6-row tiles; a 256 KiB L2 halves the A block (140 rows of 1 KiB) to
        // 35 rows, 36 as whole tiles of either, for both block sizes, which leaves two tiles x two orders
        assertEquals(36, GemmPlanTable.plan(avx2).mc());
        assertEquals(4, GemmPlanTable.candidates(avx2).size());
    }

    @Test
    void cpuInfoParsesSysfsSizesAndCpuinfoFields() {
        assertEquals(48 << 10, CpuInfo.parseSize("48K"));
        assertEquals(2 << 20, CpuInfo.parseSize("2048K\n"));
        assertEquals(1 << 20, CpuInfo.parseSize("1M"));
        assertEquals(0, CpuInfo.parseSize("lots"));
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: GenuineIntel", "cpu family\t: 6",
                "model\t\t: 207", "model name\t: Intel(R) Xeon(R) Processor");
        assertEquals("6", CpuInfo.field(cpuinfo, "cpu family"));
        assertEquals("207", CpuInfo.field(cpuinfo, "model"));
        assertEquals("Intel(R) Xeon(R) Processor", CpuInfo.field(cpuinfo, "model name"));
        assertEquals("", CpuInfo.field(cpuinfo, "flags"));
        IllegalArgumentException bits = assertThrows(IllegalArgumentException.class,
                () -> new CpuInfo("amd64", "", -1, -1, "", 384, 0, 0, 1));
        assertEquals("CpuInfo.vectorBits is 384, must be a power of two in [64, 2048]", bits.getMessage());
        CpuInfo here = CpuInfo.detect();
        assertEquals(GemmMicroKernel.SPECIES.vectorBitSize(), here.vectorBits());
    }
}
