package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

class MatMulTest {
    @Test
    void aLinearLayerKeepsTheLeadingDimensions() {
        // x: (2, 1, 3)   W: (2, 3) as nn.Linear stores [out, in]   y = x W^T: (2, 1, 2)
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 1, 3);
        Tensor w = Tensor.of(new float[] {1, 0, -1, 0.5f, 0.5f, 0.5f}, 2, 3);
        Tensor y = MatMul.matmul(x, false, w, true);
        assertArrayEquals(new int[] {2, 1, 2}, y.shape());
        assertArrayEquals(new float[] {-2, 3, -2, 7.5f}, y.toArray());
    }

    @Test
    void transposedFirstOperandGivesTheWeightGradientShape() {
        // dW = dY^T X: dY (3, 2), X (3, 4) -> (2, 4)
        Tensor dy = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
        Tensor dw = MatMul.matmul(dy, true, x, false);
        assertArrayEquals(new int[] {2, 4}, dw.shape());
        assertArrayEquals(new float[] {10, 12, 14, 16, 14, 16, 18, 20}, dw.toArray());
        MatMul.into(dy, true, x, false, 0.5f, 1f, dw);
        assertArrayEquals(new float[] {15, 18, 21, 24, 21, 24, 27, 30}, dw.toArray(), "accumulate with a scale");
    }

    @Test
    void shapeErrorsNameBothShapesAndTheTransposes() {
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 5);
        var inner = assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(a, false, b, false));
        assertEquals("matmul: A [2, 3] times B [4, 5]: inner dimensions 3 and 4 must be equal", inner.getMessage());
        var output = assertThrows(IllegalArgumentException.class,
                () -> MatMul.into(a, true, Tensor.zeros(2, 5), false, 1f, 0f, Tensor.zeros(5, 3)));
        assertEquals("matmul: A^T [2, 3] times B [2, 5] is [3, 5], the output has shape [5, 3]", output.getMessage());
    }
}
