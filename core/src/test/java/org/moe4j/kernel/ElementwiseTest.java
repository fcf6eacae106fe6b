package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.moe4j.kernel.KernelTesting.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class ElementwiseTest {
    @Test
    void agreesBitForBitWithReferenceOnAllLengthsAndOffsets() {
        Rng rng = new Rng(11);
        for (int n : lengths(rng)) {
            int aOff = rng.nextInt(5), bOff = rng.nextInt(5), oOff = rng.nextInt(5);
            float[] a = normalAt(rng, aOff, n, 3), b = normalAt(rng, bOff, n, 3);
            float[] fast = new float[oOff + n], ref = new float[oOff + n];

            Elementwise.add(a, aOff, b, bOff, fast, oOff, n);
            ElementwiseReference.add(a, aOff, b, bOff, ref, oOff, n);
            assertArrayEquals(ref, fast, "add n=" + n);

            Elementwise.sub(a, aOff, b, bOff, fast, oOff, n);
            ElementwiseReference.sub(a, aOff, b, bOff, ref, oOff, n);
            assertArrayEquals(ref, fast, "sub n=" + n);

            Elementwise.mul(a, aOff, b, bOff, fast, oOff, n);
            ElementwiseReference.mul(a, aOff, b, bOff, ref, oOff, n);
            assertArrayEquals(ref, fast, "mul n=" + n);

            Elementwise.scale(-1.7f, a, aOff, fast, oOff, n);
            ElementwiseReference.scale(-1.7f, a, aOff, ref, oOff, n);
            assertArrayEquals(ref, fast, "scale n=" + n);

            float[] yFast = normalAt(rng, oOff, n, 1);
            float[] yRef = yFast.clone();
            Elementwise.axpy(0.3f, a, aOff, yFast, oOff, n);
            ElementwiseReference.axpy(0.3f, a, aOff, yRef, oOff, n);
            assertArrayEquals(yRef, yFast, "axpy n=" + n);

            float[] sum = normalAt(rng, oOff, n, 1);
            ElementwiseReference.add(sum, oOff, a, aOff, ref, oOff, n);
            Elementwise.addInto(a, aOff, sum, oOff, n);
            assertArrayEquals(java.util.Arrays.copyOfRange(ref, oOff, oOff + n), java.util.Arrays.copyOfRange(sum, oOff, oOff + n),
                    "addInto n=" + n);
        }
    }

    @Test
    void addAndAddIntoOnALargeArrayGiveTheBitsOfOneThread() {
        Rng rng = new Rng(13);
        int n = 3 * (int) KernelPool.MIN_PARALLEL_ELEMENTS + 7;
        float[] x = normalAt(rng, 2, n, 1), y = normalAt(rng, 1, n, 1), ref = new float[1 + n];
        ElementwiseReference.add(y, 1, x, 2, ref, 1, n);
        float[] out = new float[n + 4];
        Elementwise.add(y, 1, x, 2, out, 4, n);
        assertArrayEquals(java.util.Arrays.copyOfRange(ref, 1, 1 + n), java.util.Arrays.copyOfRange(out, 4, 4 + n), "add");
        Elementwise.addInto(x, 2, y, 1, n);
        assertArrayEquals(java.util.Arrays.copyOfRange(ref, 1, 1 + n), java.util.Arrays.copyOfRange(y, 1, 1 + n), "addInto");
    }

    @Test
    void knownValuesAndInPlace() {
        float[] a = {1, 2, 3};
        Elementwise.add(a, 0, new float[] {10, 20, 30}, 0, a, 0, 3);
        assertArrayEquals(new float[] {11, 22, 33}, a);
        float[] y = {1, 1, 1, 1};
        Elementwise.axpy(2f, new float[] {0, 1, 2, 3, 4}, 1, y, 0, 4);
        assertArrayEquals(new float[] {3, 5, 7, 9}, y);
    }

    @Test
    void addRowVectorBroadcastsOverRows() {
        Rng rng = new Rng(12);
        for (int cols : new int[] {1, 3, LANES, LANES + 5, 77}) {
            int rows = 1 + rng.nextInt(9);
            float[] x = normal(rng, rows * cols, 1), v = normalAt(rng, 2, cols, 1);
            float[] fast = new float[rows * cols], ref = new float[rows * cols];
            Elementwise.addRowVector(x, 0, rows, cols, v, 2, fast, 0);
            ElementwiseReference.addRowVector(x, 0, rows, cols, v, 2, ref, 0);
            assertArrayEquals(ref, fast, "addRowVector cols=" + cols);
            assertEquals(x[cols * (rows - 1)] + v[2], fast[cols * (rows - 1)]);
        }
    }

    @Test
    void badRegionsAreRejectedBeforeWriting() {
        float[] out = new float[4];
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> Elementwise.add(new float[5], 0, new float[3], 0, out, 0, 4));
        assertEquals("add: b needs 4 elements from offset 0, the array has 3", e.getMessage());
        var n = assertThrows(IllegalArgumentException.class, () -> Elementwise.scale(1f, out, 0, out, 0, -1));
        assertEquals("scale: n is -1, must be >= 0", n.getMessage());
        var o = assertThrows(IndexOutOfBoundsException.class, () -> Elementwise.axpy(1f, out, 2, out, 0, 3));
        assertEquals("axpy: x needs 3 elements from offset 2, the array has 4 (allowed offsets 0 to 1)", o.getMessage());
    }
}
