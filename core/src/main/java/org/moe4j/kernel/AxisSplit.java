package org.moe4j.kernel;

import org.moe4j.tensor.Shape;

/**
 * A row-major shape seen around one axis as [outer, len, inner]: element (o, a, i) lies at
 * (o * len + a) * inner + i. Reducing along the axis leaves [outer, inner].
 */
public record AxisSplit(int outer, int len, int inner) {
    /** Splits {@code shape} around {@code axis} (negative counts from the end), failing with the allowed range. */
    public static AxisSplit of(String op, int[] shape, int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for shape " + Shape.str(shape)
                    + ": allowed " + (-shape.length) + " to " + (shape.length - 1));
        }
        Shape.size(shape);
        long outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= shape[i];
        }
        long inner = 1;
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        if (outer * inner > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": reducing shape " + Shape.str(shape) + " along axis " + axis
                    + " leaves more than 2^31 - 1 elements");
        }
        return new AxisSplit((int) outer, shape[a], (int) inner);
    }

    /** Number of elements of the whole shape. */
    public long size() {
        return (long) outer * len * inner;
    }
}
