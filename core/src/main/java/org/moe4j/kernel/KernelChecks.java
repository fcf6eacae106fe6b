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
}
