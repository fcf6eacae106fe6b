package org.moe4j.kernel.gemm;

import static org.moe4j.kernel.gemm.GemmMicroKernel.NR;

/**
 * How the blocked GEMM runs on this CPU: the register tile and the cache blocks around it (Goto and
 * van de Geijn 2008): MC rows of packed A per block (meant to stay in L2) and NC columns of packed B
 * per block (meant for L2 or L3). The depth of a block, {@link BlockedGemm#KC}, is not part of the
 * plan: it decides where the sum over k is split, so it is the same on every CPU and a plan never
 * changes a result bit. {@code rowsOuter} picks the order of the two loops around the tile: columns
 * outer keeps one packed B panel (KC x NR) in L1 while the A panels of the block stream past it;
 * rows outer keeps one packed A panel (KC x MR) in L1 while the B panels stream from L2, and walks
 * each row of the C block left to right, which the hardware prefetcher follows. {@code why} says where the plan came from, for {@code moe4j bench gemm}.
 */
record GemmPlan(GemmTile tile, int mc, int nc, boolean rowsOuter, String why) {
    static final int MAX_MC = 4096;
    static final int MAX_NC = 1 << 16;

    GemmPlan {
        if (tile == null) {
            throw new IllegalArgumentException("GemmPlan.tile is null, must be one of " + java.util.Arrays.toString(GemmTile.values()));
        }
        if (mc < tile.rows || mc > MAX_MC || mc % tile.rows != 0) {
            throw new IllegalArgumentException("GemmPlan.mc is " + mc + ", must be a multiple of the tile's "
                    + tile.rows + " rows in [" + tile.rows + ", " + MAX_MC + "]");
        }
        if (nc < NR || nc > MAX_NC || nc % NR != 0) {
            throw new IllegalArgumentException("GemmPlan.nc is " + nc + ", must be a multiple of NR = " + NR
                    + " in [" + NR + ", " + MAX_NC + "]");
        }
        if (why == null || why.isBlank()) {
            throw new IllegalArgumentException("GemmPlan.why is empty, must say where the plan came from");
        }
    }

    /** The plan with a different explanation. */
    GemmPlan because(String reason) {
        return new GemmPlan(tile, mc, nc, rowsOuter, reason);
    }

    /** "tile 14x32, MC 280, KC 256, NC 1024": the part that a cache file and a log line carry. */
    String shape() {
        return "tile " + tile.rows + "x" + NR + ", MC " + mc + ", KC " + BlockedGemm.KC + ", NC " + nc
                + (rowsOuter ? ", rows outer" : ", columns outer");
    }
}
