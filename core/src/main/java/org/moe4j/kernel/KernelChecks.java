package org.moe4j.kernel;

/**
 * Argument checks shared by the row and elementwise kernels. Every message names the operation,
 * the argument, the values and the allowed range, so that a caller sees what went wrong without
 * a debugger; a kernel checks before it writes, so bad input never leaves a half-written output.
 */
final class KernelChecks {
    private KernelChecks() {}

    /** Fails unless {@code value >= 0}. */
    static void nonNegative(String op, String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(op + ": " + name + " is " + value + ", must be >= 0");
        }
    }

    /** Fails unless {@code [off, off + length)} lies inside {@code array}. */
    static void region(String op, String name, float[] array, int off, long length) {
        if (array == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        region(op, name, array.length, off, length);
    }

    /** Fails unless {@code [off, off + length)} lies inside {@code array}. */
    static void region(String op, String name, int[] array, int off, long length) {
        if (array == null) {
            throw new IllegalArgumentException(op + ": " + name + " is null");
        }
        region(op, name, array.length, off, length);
    }

    private static void region(String op, String name, int arrayLength, int off, long length) {
        if (off < 0 || off + length > arrayLength) {
            String allowed = length > arrayLength ? "" : " (allowed offsets 0 to " + (arrayLength - length) + ")";
            throw new IndexOutOfBoundsException(op + ": " + name + " needs " + length + " elements from offset " + off
                    + ", the array has " + arrayLength + allowed);
        }
    }

    /** Fails unless rows and cols are non-negative, returning the element count rows * cols. */
    static long matrix(String op, int rows, int cols) {
        nonNegative(op, "rows", rows);
        nonNegative(op, "cols", cols);
        return (long) rows * cols;
    }


    /** A norm's epsilon: finite and >= 0. */
    static void epsilon(String op, float eps) {
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": epsilon is " + eps + ", must be finite and >= 0");
        }
    }

    /** A norm's arguments ({@link RmsNorm}, {@link LayerNorm}): x and the output are [rows x cols], the weight (and bias, unless null) [cols], each statistic [rows]. */
    static void normShapes(String op, float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float[] bias, int bOff,
                       String out, float[] y, int yOff) {
        long size = matrix(op, rows, cols);
        region(op, "x", x, xOff, size);
        region(op, "weight", weight, wOff, cols);
        if (bias != null) {
            region(op, "bias", bias, bOff, cols);
        }
        region(op, out, y, yOff, size);
    }
}
