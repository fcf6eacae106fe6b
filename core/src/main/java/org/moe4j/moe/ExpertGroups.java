package org.moe4j.moe;

/**
 * Rows sorted by expert: the rows of expert e are [start[e], start[e] + count[e]) of every
 * per-pair buffer. Only experts with at least one row are listed in {@code active}, so a grouped
 * GEMM never sees an empty group.
 */
record ExpertGroups(int[] start, int[] count, int[] active, int rows) {

    /** Row offsets (in floats) of every active group in a buffer of {@code width} columns. */
    int[] rowOffsets(int width) {
        int[] off = new int[active.length];
        for (int g = 0; g < active.length; g++) off[g] = start[active[g]] * width;
        return off;
    }

    /** Offsets of every active expert's block in a stacked tensor whose blocks hold {@code block} floats. */
    int[] expertOffsets(int base, int block) {
        int[] off = new int[active.length];
        for (int g = 0; g < active.length; g++) off[g] = base + active[g] * block;
        return off;
    }

    int[] activeCounts() {
        int[] m = new int[active.length];
        for (int g = 0; g < active.length; g++) m[g] = count[active[g]];
        return m;
    }

    static int[] filled(int n, int value) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
