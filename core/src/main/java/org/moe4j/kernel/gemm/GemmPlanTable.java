package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;

import java.util.ArrayList;
import java.util.List;

/**
 * The starting plan for each kind of core, and the few alternatives a calibration times against it.
 * Entries marked "measured" were timed side by side with OpenBLAS and MKL on that kind of machine
 * (docs/performance.md); the others follow from the register count and the L2 size alone and are
 * what calibration is for.
 *
 * <p>Rules behind the blocks: a packed A block of MC x KC floats is reread once per NR columns and
 * should sit in L2 next to the stream of B panels, so MC is about 140 rows (140 KiB at KC = 256),
 * more when L2 is large; the packed B block of KC x NC floats is reread once per MC rows, and 2048
 * columns (2 MiB) kept the B panels coming from L2 or L3 fast enough on both machines measured.
 */
final class GemmPlanTable {
    /** Rows of the packed A block the table starts from, before rounding to the tile. */
    static final int BASE_BLOCK_ROWS = 140;
    /** Columns of the packed B block. */
    static final int BLOCK_COLUMNS = 64 * NR;

    private GemmPlanTable() {}

    /** The table's plan for {@code cpu}, with the reason in its {@code why}. */
    static GemmPlan plan(CpuInfo cpu) {
        CoreKind kind = CoreKind.of(cpu);
        return switch (kind) {
            case INTEL_AVX512 -> plan(GemmTile.ROWS_14, BASE_BLOCK_ROWS, true, cpu, kind.label
                    + ": 14-row tile, rows outer (measured on a Xeon: 28 accumulators keep both FMA ports busy)");
            case AMD_ZEN5 -> plan(GemmTile.ROWS_6, BASE_BLOCK_ROWS, false, cpu,
                    kind.label + ": 6-row tile, columns outer (measured on a Zen 5: 0.89 of OpenBLAS)");
            case AMD_ZEN4, OTHER_AVX512, ARM -> plan(GemmTile.ROWS_14, BASE_BLOCK_ROWS, true, cpu,
                    kind.label + ": 14-row tile for 32 registers (not measured on this kind)");
            case AVX2, OTHER -> plan(GemmTile.ROWS_4, BASE_BLOCK_ROWS, false, cpu,
                    kind.label + ": 4-row tile, which C2 keeps in 16 registers without spilling (measured with -XX:UseAVX=2 on a Xeon)");
        };
    }

    /**
     * The table's plan first, then every tile that fits the registers at one and two times the base
     * block rows (one size if a small L2 makes them equal), in both loop orders: at most eight, few enough to time in well under a second once
     * the micro-kernels are compiled.
     */
    /** The plan for a JVM without its optimising compiler: the 6-row tile, which C1 compiles (the 14-row one it cannot). */
    static GemmPlan withoutOptimisingCompiler(CpuInfo cpu) {
        return plan(GemmTile.ROWS_6, BASE_BLOCK_ROWS, false, cpu,
                "6-row tile, columns outer: this JVM runs without C2 (-Xint or -XX:TieredStopAtLevel below 4), so no timing and no cache");
    }

    static List<GemmPlan> candidates(CpuInfo cpu) {
        CoreKind kind = CoreKind.of(cpu);
        GemmPlan first = plan(cpu);
        List<GemmPlan> out = new ArrayList<>();
        out.add(first);
        for (GemmTile tile : GemmTile.values()) {
            if (tile.registers > kind.registers || tile == GemmTile.ROWS_4 && kind.registers >= 32) {
                // the 4-row tile is for 16 registers; with 32 it only adds loads per FMA
                continue;
            }
            for (int rows : new int[] {BASE_BLOCK_ROWS, 2 * BASE_BLOCK_ROWS}) {
                for (boolean rowsOuter : new boolean[] {false, true}) {
                    GemmPlan p = plan(tile, rows, rowsOuter, cpu, "candidate");
                    if (out.stream().noneMatch(q -> q.shape().equals(p.shape()))) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    /**
     * A plan with MC the multiple of the tile's rows nearest {@code rows} (halved while the A block
     * would take more than a quarter of a known L2), and the table's NC.
     */
    private static GemmPlan plan(GemmTile tile, int rows, boolean rowsOuter, CpuInfo cpu, String why) {
        int blockRows = rows;
        while (cpu.l2() > 0 && (long) blockRows * BlockedGemm.KC * Float.BYTES > cpu.l2() / 4 && blockRows > 4 * tile.rows) {
            blockRows /= 2;
        }
        int mc = Math.max(1, Math.round((float) blockRows / tile.rows)) * tile.rows;
        return new GemmPlan(tile, mc, BLOCK_COLUMNS, rowsOuter, why);
    }
}
