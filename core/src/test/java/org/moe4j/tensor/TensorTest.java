package org.moe4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void rowMajorIndexingAndViews() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertEquals(5f, t.get(1, 2));
        assertArrayEquals(new int[] {3, 2}, t.reshape(-1, 2).shape());
        Tensor row1 = t.slice(1, 2);
        assertArrayEquals(new float[] {3, 4, 5}, row1.toArray());
        row1.set(9f, 0, 0);
        assertEquals(9f, t.get(1, 0), "a slice shares storage");
        assertEquals(2, t.rows());
        assertEquals(3, t.cols());
    }

    @Test
    void errorsNameShapesAndRanges() {
        Tensor t = Tensor.zeros(2, 3);
        var e1 = assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
        assertTrue(e1.getMessage().contains("[4, 2]") && e1.getMessage().contains("6"), e1.getMessage());
        var e2 = assertThrows(IndexOutOfBoundsException.class, () -> t.get(2, 0));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("0 to 1"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
        assertTrue(e3.getMessage().contains("-1"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> Shape.requireSame("add", new int[] {2, 3}, new int[] {3, 2}));
        assertEquals("add: shapes [2, 3] and [3, 2] must be equal", e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(65536, 65536));
        assertTrue(e5.getMessage().contains("2^31"), e5.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.dim(2));
        assertEquals(3, t.dim(-1));
    }

    @Test
    void zeroSizedTensorsWork() {
        Tensor t = Tensor.zeros(0, 5);
        assertEquals(0, t.size());
        assertEquals(0, t.rows());
        assertEquals(0, t.copy().size());
    }
}
