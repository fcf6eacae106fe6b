package org.moe4j.tensor;

import java.util.Arrays;

/**
 * Shape arithmetic and the checks every operation uses, so that a shape error always names the
 * operation and both shapes.
 */
public final class Shape {
    private Shape() {}

    /** Number of elements of a shape; fails on a negative dimension or an element count over 2^31 - 1. */
    public static int size(int... shape) {
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": dimension " + i
                        + " is " + shape[i] + ", dimensions must be >= 0");
            }
            n *= shape[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape)
                        + " has more than 2^31 - 1 elements, the most one float32 tensor can hold");
            }
        }
        return (int) n;
    }

    public static String str(int... shape) {
        return Arrays.toString(shape);
    }

    /** Fails unless both shapes are equal, naming the operation and both shapes. */
    public static void requireSame(String op, int[] a, int[] b) {
        if (!Arrays.equals(a, b)) {
            throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b) + " must be equal");
        }
    }

    /** Fails unless the tensor has the given rank. */
    public static void requireRank(String op, String what, int[] shape, int rank) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(op + ": " + what + " must have rank " + rank + ", got shape " + str(shape));
        }
    }

    /** Fails unless a dimension is at least {@code min}. */
    public static void requireAtLeast(String op, String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(op + ": " + name + " is " + value + ", must be >= " + min);
        }
    }

    /** Fails unless {@code index} lies in [0, bound). */
    public static void requireIndex(String op, String what, long index, long bound) {
        if (index < 0 || index >= bound) {
            throw new IndexOutOfBoundsException(op + ": " + what + " " + index + " is out of range [0, " + bound + ")");
        }
    }

    /**
     * Resolves a shape that may hold one -1 (inferred) against a known element count.
     */
    public static int[] resolve(String op, int count, int... shape) {
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than one -1");
                }
                infer = i;
            } else if (shape[i] < 0) {
                throw new IllegalArgumentException(op + ": shape " + str(shape) + " has dimension " + shape[i]
                        + ", dimensions must be >= 0 (or one -1 to infer)");
            } else {
                known *= shape[i];
            }
        }
        int[] out = shape.clone();
        if (infer >= 0) {
            if (known == 0 || count % known != 0) {
                throw new IllegalArgumentException(op + ": cannot infer the -1 in " + str(shape) + " for " + count + " elements");
            }
            out[infer] = (int) (count / known);
        } else if (known != count) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " holds " + known
                    + " elements, the tensor has " + count);
        }
        return out;
    }
}
