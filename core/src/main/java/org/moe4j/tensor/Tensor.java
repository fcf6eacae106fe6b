package org.moe4j.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor: n dimensions, row-major, backed by a slice of a {@code float[]}.
 * Views made by {@link #reshape} and {@link #slice} share the storage of the tensor they come from.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int size;

    private Tensor(float[] data, int offset, int[] shape) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
        this.size = Shape.size(shape);
        if (offset < 0 || (long) offset + size > data.length) {
            throw new IllegalArgumentException("tensor of shape " + Shape.str(shape) + " at offset " + offset
                    + " does not fit in storage of " + data.length + " floats");
        }
    }

    /** A new zero-filled tensor. */
    public static Tensor zeros(int... shape) {
        return new Tensor(new float[Shape.size(shape)], 0, shape.clone());
    }

    /** A new tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        Arrays.fill(t.data, value);
        return t;
    }

    /** Wraps {@code data} (not copied); its length must equal the shape's element count. */
    public static Tensor of(float[] data, int... shape) {
        int n = Shape.size(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("Tensor.of: shape " + Shape.str(shape) + " holds " + n
                    + " elements, the array has " + data.length);
        }
        return new Tensor(data, 0, shape.clone());
    }

    /** A scalar (rank 0) tensor. */
    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, 0, new int[0]);
    }

    /** Wraps a region of {@code data} starting at {@code offset} (not copied). */
    public static Tensor view(float[] data, int offset, int... shape) {
        return new Tensor(data, offset, shape.clone());
    }

    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}; a negative axis counts from the end. */
    public int dim(int axis) {
        return shape[axis(axis)];
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return size;
    }

    /** Normalises a possibly negative axis, failing with the allowed range. */
    public int axis(int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for shape " + Shape.str(shape)
                    + ": allowed " + (-shape.length) + " to " + (shape.length - 1));
        }
        return a;
    }

    /** Number of rows when the tensor is seen as a matrix [size / lastDim, lastDim]. */
    public int rows() {
        return shape.length == 0 ? 1 : (shape[shape.length - 1] == 0 ? 0 : size / shape[shape.length - 1]);
    }

    /** Last dimension (1 for a scalar). */
    public int cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    private int flatIndex(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates, the tensor has shape " + Shape.str(shape));
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is out of range for shape "
                        + Shape.str(shape) + " (coordinate " + i + " allowed 0 to " + (shape[i] - 1) + ")");
            }
            flat = flat * shape[i] + index[i];
        }
        return offset + flat;
    }

    public float get(int... index) {
        return data[flatIndex(index)];
    }

    public void set(float value, int... index) {
        data[flatIndex(index)] = value;
    }

    /** Element {@code i} in row-major order. */
    public float at(int i) {
        Shape.requireIndex("Tensor.at", "element", i, size);
        return data[offset + i];
    }

    /** The value of a tensor holding exactly one element. */
    public float item() {
        if (size != 1) {
            throw new IllegalStateException("item: tensor of shape " + Shape.str(shape) + " holds " + size + " elements, not 1");
        }
        return data[offset];
    }

    /** The same storage seen with another shape (one -1 is inferred). */
    public Tensor reshape(int... newShape) {
        return new Tensor(data, offset, Shape.resolve("reshape", size, newShape));
    }

    /** Rows {@code [start, end)} along the first axis, sharing storage. */
    public Tensor slice(int start, int end) {
        if (shape.length == 0) {
            throw new IllegalArgumentException("slice: a scalar has no axis to slice");
        }
        if (start < 0 || end > shape[0] || start > end) {
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") is out of range for first axis of shape "
                    + Shape.str(shape) + ": allowed 0 <= start <= end <= " + shape[0]);
        }
        int[] s = shape.clone();
        s[0] = end - start;
        int stride = shape[0] == 0 ? 0 : size / shape[0];
        return new Tensor(data, offset + start * stride, s);
    }

    /** A copy with its own compact storage. */
    public Tensor copy() {
        return new Tensor(toArray(), 0, shape.clone());
    }

    /** The elements in row-major order, as a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    public Tensor fill(float value) {
        Arrays.fill(data, offset, offset + size, value);
        return this;
    }

    /** Copies {@code source}'s elements into this tensor; shapes must match. */
    public Tensor copyFrom(Tensor source) {
        Shape.requireSame("copyFrom", shape, source.shape);
        System.arraycopy(source.data, source.offset, data, offset, size);
        return this;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(Shape.str(shape)).append(' ');
        int n = Math.min(size, 8);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(", ");
            sb.append(data[offset + i]);
        }
        if (size > n) sb.append(", ...");
        return sb.append(']').toString();
    }
}
