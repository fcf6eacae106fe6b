package org.moe4j.fff;

/**
 * Tokens grouped by the leaf they reached (a counting sort, stable in token order): {@code order}
 * lists the tokens leaf by leaf, and the non-empty leaves become the groups of one grouped GEMM.
 *
 * @param order  (T) token ids, leaf 0's first
 * @param leaf   (G) the leaf of each non-empty group
 * @param start  (G) where each group's tokens begin in {@code order}
 * @param rows   (G) how many tokens each group has
 * @param counts (L) tokens per leaf, empty leaves included
 */
record LeafGroups(int[] order, int[] leaf, int[] start, int[] rows, long[] counts) {
    static LeafGroups of(int[] leafOfToken, int leaves) {
        long[] counts = new long[leaves];
        for (int j : leafOfToken) counts[j]++;
        int groups = 0;
        for (long c : counts) if (c > 0) groups++;
        int[] leaf = new int[groups];
        int[] start = new int[groups];
        int[] rows = new int[groups];
        int[] next = new int[leaves];
        int g = 0;
        int at = 0;
        for (int j = 0; j < leaves; j++) {
            next[j] = at;
            if (counts[j] > 0) {
                leaf[g] = j;
                start[g] = at;
                rows[g] = (int) counts[j];
                g++;
            }
            at += (int) counts[j];
        }
        int[] order = new int[leafOfToken.length];
        for (int t = 0; t < leafOfToken.length; t++) {
            order[next[leafOfToken[t]]++] = t;
        }
        return new LeafGroups(order, leaf, start, rows, counts);
    }

    int groups() {
        return leaf.length;
    }

    /** Per-group offsets base + (what each group indexes) * stride. */
    int[] offsets(int[] index, int base, int stride) {
        int[] off = new int[index.length];
        for (int g = 0; g < index.length; g++) off[g] = base + index[g] * stride;
        return off;
    }

    /** The same value for every group. */
    int[] repeat(int value) {
        int[] a = new int[leaf.length];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
