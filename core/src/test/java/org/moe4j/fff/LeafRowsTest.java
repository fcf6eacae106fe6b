package org.moe4j.fff;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** The hard path's kernels against their plain references, at widths that exercise every tail. */
class LeafRowsTest {
    private static float[] random(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rng.nextGaussian();
        return a;
    }

    @Test
    void leafRowsAgreeWithTheReference() {
        Rng rng = new Rng(5);
        for (int in : new int[] {1, 7, 16, 33, 100}) {
            for (int width : new int[] {1, 3, 4, 9}) {
                int tokens = 23;
                int leaves = 8;
                int[] leafOf = new int[tokens];
                for (int t = 0; t < tokens; t++) leafOf[t] = rng.nextInt(leaves);
                LeafGroups groups = LeafGroups.of(leafOf, leaves);
                float[] x = random(rng, 3 + tokens * in);
                float[] w = random(rng, 2 + leaves * width * in);
                for (int[] rowOf : new int[][] {null, groups.order()}) {
                    float[] fast = new float[tokens * width];
                    float[] ref = new float[tokens * width];
                    LeafRows.multiply(x, 3, rowOf, in, groups, w, 2, width, fast);
                    LeafRowsReference.multiply(x, 3, rowOf, in, groups, w, 2, width, ref);
                    for (int i = 0; i < ref.length; i++) {
                        assertEquals(ref[i], fast[i], 1e-5 + 1e-5 * in, "in " + in + " width " + width + " element " + i);
                    }
                }
            }
        }
    }

    @Test
    void groupsListEveryTokenOnceLeafByLeaf() {
        LeafGroups g = LeafGroups.of(new int[] {2, 0, 2, 3, 0}, 5);
        assertArrayEquals(new int[] {1, 4, 0, 2, 3}, g.order());
        assertArrayEquals(new int[] {0, 2, 3}, g.leaf());
        assertArrayEquals(new int[] {0, 2, 4}, g.start());
        assertArrayEquals(new int[] {2, 2, 1}, g.rows());
        assertArrayEquals(new long[] {2, 0, 2, 1, 0}, g.counts());
    }
}
