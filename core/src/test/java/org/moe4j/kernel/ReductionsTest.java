package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;

/**
 * Reductions against double-accumulating references. A float sum of n terms is within about
 * n * 6e-8 * sum|x| of the exact sum; the tolerance used is 1e-6 * sum|x| + 1e-6 per output.
 */
class ReductionsTest {
    private static double absSum(float[] x) {
        double s = 0;
        for (float v : x) s += Math.abs(v);
        return s;
    }

    @Test
    void sumDotAndMaxAgreeWithReference() {
        Rng rng = new Rng(31);
        for (int n : lengths(rng)) {
            int off = rng.nextInt(4);
            float[] a = normalAt(rng, off, n, 2), b = normalAt(rng, off, n, 2);
            double exactSum = 0;
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                exactSum += a[off + i];
                magnitude += Math.abs(a[off + i]);
            }
            assertEquals(exactSum, Reductions.sum(a, off, n), 1e-6 * magnitude + 1e-6, "sum n=" + n);
            double exactDot = ReductionsReference.dot(a, off, b, off, n);
            assertEquals(exactDot, Reductions.dot(a, off, b, off, n), 4e-6 * magnitude + 1e-6, "dot n=" + n);
            assertEquals(ReductionsReference.max(a, off, n), Reductions.max(a, off, n), "max n=" + n);
        }
        assertEquals(0f, Reductions.sum(new float[0], 0, 0));
        assertEquals(Float.NEGATIVE_INFINITY, Reductions.max(new float[0], 0, 0));
        float[] withNaN = new float[40];
        withNaN[37] = Float.NaN;
        assertTrue(Float.isNaN(Reductions.max(withNaN, 0, 40)));
        withNaN[37] = 0;
        withNaN[3] = Float.NaN;
        assertTrue(Float.isNaN(Reductions.max(withNaN, 0, 40)));
    }

    @Test
    void anyAxisOfAnyShapeAgreesWithReference() {
        Rng rng = new Rng(32);
        for (int trial = 0; trial < 60; trial++) {
            int rank = 1 + rng.nextInt(4);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = 1 + rng.nextInt(d == rank - 1 ? 40 : 7);
            }
            int axis = rng.nextInt(rank) - (rng.nextInt(2) == 0 ? rank : 0);
            float[] x = normal(rng, Shape.size(shape), 1);
            int outSize = Shape.size(shape) / shape[axis < 0 ? axis + rank : axis];
            float[] fast = new float[outSize + 2], ref = new float[outSize + 2];
            double tolerance = 1e-6 * absSum(x) / outSize * shape[axis < 0 ? axis + rank : axis] + 1e-6;
            Reductions.sum(x, 0, shape, axis, fast, 1);
            ReductionsReference.sum(x, 0, shape, axis, ref, 1);
            assertClose(ref, fast, tolerance, 0, "sum " + Shape.str(shape) + " axis " + axis);
            Reductions.mean(x, 0, shape, axis, fast, 1);
            ReductionsReference.mean(x, 0, shape, axis, ref, 1);
            assertClose(ref, fast, tolerance, 1e-6, "mean " + Shape.str(shape) + " axis " + axis);
        }
    }

    @Test
    void matrixRowsAndColumns() {
        Rng rng = new Rng(33);
        for (int cols : new int[] {1, 3, LANES + 1, 100}) {
            int rows = 1 + rng.nextInt(50);
            float[] x = normal(rng, rows * cols, 1);
            float[] fast = new float[Math.max(rows, cols)], ref = new float[Math.max(rows, cols)];
            Reductions.rowSums(x, 0, rows, cols, fast, 0);
            ReductionsReference.sum(x, 0, new int[] {rows, cols}, 1, ref, 0);
            assertClose(ref, 0, fast, 0, rows, 1e-5, 0, "rowSums " + rows + "x" + cols);
            Reductions.columnSums(x, 0, rows, cols, fast, 0);
            ReductionsReference.sum(x, 0, new int[] {rows, cols}, 0, ref, 0);
            assertClose(ref, 0, fast, 0, cols, 1e-5, 0, "columnSums " + rows + "x" + cols);
            Reductions.rowMax(x, 0, rows, cols, fast, 0);
            for (int r = 0; r < rows; r++) {
                assertEquals(ReductionsReference.max(x, r * cols, cols), fast[r]);
            }
        }
        float[] m = {1, 2, 3, 4, 5, 6};
        float[] out = new float[3];
        Reductions.columnSums(m, 0, 2, 3, out, 0);
        assertArrayEquals(new float[] {5, 7, 9}, out);
        Reductions.mean(m, 0, new int[] {2, 3}, -1, out, 0);
        assertArrayEquals(new float[] {2, 5}, new float[] {out[0], out[1]});
    }

    @Test
    void emptyAxesAndBadArguments() {
        float[] out = {7, 7};
        Reductions.sum(new float[0], 0, new int[] {2, 0}, 1, out, 0);
        assertArrayEquals(new float[] {0, 0}, out);
        Reductions.mean(new float[0], 0, new int[] {2, 0}, 1, out, 0);
        assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]));
        var axis = assertThrows(IllegalArgumentException.class,
                () -> Reductions.sum(new float[6], 0, new int[] {2, 3}, 2, new float[3], 0));
        assertEquals("sum: axis 2 is out of range for shape [2, 3]: allowed -2 to 1", axis.getMessage());
        var max = assertThrows(IllegalArgumentException.class, () -> Reductions.rowMax(new float[0], 0, 2, 0, new float[2], 0));
        assertTrue(max.getMessage().startsWith("rowMax: cols is 0"), max.getMessage());
        var region = assertThrows(IndexOutOfBoundsException.class,
                () -> Reductions.columnSums(new float[6], 0, 2, 3, new float[2], 0));
        assertEquals("columnSums: out needs 3 elements from offset 0, the array has 2", region.getMessage());
    }

    @Test
    void sumOfSquaresAgreesWithDoubleAndDoesNotDependOnTheThreadCount() {
        Rng rng = new Rng(31);
        int saved = KernelPool.threads();
        try {
            for (int n : new int[] {0, 1, 7, 17, 33, (1 << 16) - 1, (1 << 16) + 1, 300_001}) {
                float[] x = KernelTesting.normal(rng, n + 3, 1);
                double expected = ReductionsReference.sumOfSquares(x, 3, n);
                KernelPool.setThreads(1);
                double one = Reductions.sumOfSquares(x, 3, n);
                KernelPool.setThreads(saved);
                double many = Reductions.sumOfSquares(x, 3, n);
                assertEquals(Double.doubleToLongBits(one), Double.doubleToLongBits(many), "n=" + n);
                assertEquals(expected, many, 1e-12 * Math.max(1, expected), "n=" + n);
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }
}
