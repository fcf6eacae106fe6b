package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * RoPE against the formula in double, for positions inside the table of angles and beyond it,
 * rows on any thread count, the inverse undoing the rotation, and shared instances.
 */
class RotaryEmbeddingTest {
    @Test
    void rotatesEveryHeadByItsRowsPositionAsTheFormulaSays() {
        int headDim = 6, heads = 3, cols = heads * headDim;
        double theta = 10000;
        int[] positions = {0, 1, 7, 127, 70_000, 65_535, 65_536, 3};
        float[] x = KernelTesting.normal(new Rng(4), positions.length * cols, 1);
        float[] y = new float[x.length];
        new RotaryEmbedding(headDim, theta).apply(x, 0, positions.length, heads, positions, false, y, 0);
        for (int r = 0; r < positions.length; r++) {
            for (int h = 0; h < heads; h++) {
                int b = r * cols + h * headDim;
                for (int i = 0; i < headDim / 2; i++) {
                    double a = (double) positions[r] * (float) Math.pow(theta, -2.0 * i / headDim);
                    double x1 = x[b + i], x2 = x[b + headDim / 2 + i];
                    assertEquals(x1 * Math.cos(a) - x2 * Math.sin(a), y[b + i], 1e-5, "row " + r + " head " + h + " pair " + i);
                    assertEquals(x2 * Math.cos(a) + x1 * Math.sin(a), y[b + headDim / 2 + i], 1e-5, "row " + r + " head " + h + " pair " + i);
                }
            }
        }
        float[] back = new float[x.length];
        new RotaryEmbedding(headDim, theta).apply(y, 0, positions.length, heads, positions, true, back, 0);
        for (int i = 0; i < x.length; i++) assertEquals(x[i], back[i], 1e-5, "inverse, element " + i);
    }

    @Test
    void theSameBitsOnOneOrTwoThreadsAndInPlace() {
        int rows = 4096, heads = 4, headDim = 64, cols = heads * headDim;
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) positions[r] = r % 128;
        float[] x = KernelTesting.normal(new Rng(5), rows * cols, 1);
        RotaryEmbedding rope = RotaryEmbedding.shared(headDim, 10000);
        assertSame(rope, RotaryEmbedding.shared(headDim, 10000), "one shared instance per (headDim, theta)");
        int saved = KernelPool.threads();
        try {
            KernelPool.setThreads(1);
            float[] one = new float[x.length];
            rope.apply(x, 0, rows, heads, positions, false, one, 0);
            KernelPool.setThreads(saved);
            float[] inPlace = x.clone();
            rope.apply(inPlace, 0, rows, heads, positions, false, inPlace, 0);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(one[i]), Float.floatToIntBits(inPlace[i]), "element " + i);
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }

    @Test
    void badPositionsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new RotaryEmbedding(4, 10000).apply(new float[8], 0, 2, 1, new int[] {0, -3}, false, new float[8], 0));
        assertTrue(e.getMessage().contains("position -3 of row 1"), e.getMessage());
    }

    @Test
    void columnsOfWiderRowsGiveTheBitsOfThePlainFloatLoop() {
        // the query columns of rows that hold values, keys and queries side by side (ldx = ldy = 3 * cols),
        // in place and into another array; headDim 64 runs the vector lanes, 6 only the scalar tail
        for (int headDim : new int[] {64, 6}) {
            int rows = 300, heads = 2, cols = heads * headDim, ld = 3 * cols, at = cols;
            int[] positions = new int[rows];
            for (int r = 0; r < rows; r++) positions[r] = (r * 7) % 200;
            RotaryEmbedding rope = new RotaryEmbedding(headDim, 500000);
            float[] x = KernelTesting.normal(new Rng(6), rows * ld, 1);
            for (boolean inverse : new boolean[] {false, true}) {
                float[] expected = x.clone();
                int half = headDim / 2;
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        int b = r * ld + at + h * headDim;
                        for (int i = 0; i < half; i++) {
                            float angleSign = inverse ? -1f : 1f;
                            double a = (double) positions[r] * (float) Math.pow(500000, -2.0 * i / headDim);
                            float c = (float) Math.cos(a), sn = angleSign * (float) Math.sin(a);
                            float x1 = x[b + i], x2 = x[b + half + i];
                            expected[b + i] = x1 * c - x2 * sn;
                            expected[b + half + i] = x2 * c + x1 * sn;
                        }
                    }
                }
                float[] inPlace = x.clone();
                rope.apply(inPlace, at, ld, rows, heads, positions, inverse, inPlace, at, ld);
                assertArrayEquals(expected, inPlace, "in place, headDim " + headDim + (inverse ? ", inverse" : ""));
                float[] out = new float[rows * cols];
                rope.apply(x, at, ld, rows, heads, positions, inverse, out, 0, cols);
                for (int r = 0; r < rows; r++) {
                    assertArrayEquals(java.util.Arrays.copyOfRange(expected, r * ld + at, r * ld + at + cols),
                            java.util.Arrays.copyOfRange(out, r * cols, (r + 1) * cols), "row " + r + ", headDim " + headDim);
                }
            }
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> new RotaryEmbedding(4, 10000).apply(new float[16], 0, 6, 2, 2, new int[2], false, new float[16], 0, 8));
        assertEquals("rope: leading dimensions 6 (x) and 8 (y) must be >= heads * headDim = 8", e.getMessage());
    }
}
