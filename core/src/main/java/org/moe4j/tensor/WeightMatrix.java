package org.moe4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix [rows, cols], row-major, in the format it is stored in: float32, or one
 * of the 16-bit formats of model files (IEEE half, bfloat16), usually a view of a memory-mapped
 * file. Nothing is widened into a float32 copy: kernels read the stored bits and widen them in
 * registers. Row r holds the weights of output r (an nn.Linear weight [out, in]).
 */
public record WeightMatrix(MemorySegment data, Format format, int rows, int cols) {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The stored element formats, all little-endian. */
    public enum Format {
        F32(4), F16(2), BF16(2);

        private final int bytes;

        Format(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    public WeightMatrix {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("weight matrix: shape [" + rows + ", " + cols + "]; both must be >= 0");
        }
        long need = (long) rows * cols * format.bytes();
        if (data.byteSize() != need) {
            throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of " + format + " needs " + need
                    + " bytes, the data has " + data.byteSize());
        }
    }

    /** A float32 matrix over {@code values} (not copied). */
    public static WeightMatrix of(float[] values, int rows, int cols) {
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] needs " + (long) rows * cols
                    + " floats, the array has " + values.length);
        }
        return new WeightMatrix(MemorySegment.ofArray(values), Format.F32, rows, cols);
    }

    /** Bytes of the stored matrix: what one pass over all of it reads. */
    public long byteSize() {
        return data.byteSize();
    }

    /** Element (r, c), widened exactly to float32. */
    public float get(int r, int c) {
        long i = (long) r * cols + c;
        return switch (format) {
            case F32 -> data.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xFFFF) << 16);
        };
    }

    /** Row r widened into {@code dst[off .. off + cols)}. */
    public void row(int r, float[] dst, int off) {
        for (int c = 0; c < cols; c++) {
            dst[off + c] = get(r, c);
        }
    }

    /** Rows [from, from + count) as a matrix of their own (a view). */
    public WeightMatrix rows(int from, int count) {
        if (from < 0 || count < 0 || from + count > rows) {
            throw new IndexOutOfBoundsException("weight matrix rows [" + from + ", " + (from + count) + ") of " + rows);
        }
        long rowBytes = (long) cols * format.bytes();
        return new WeightMatrix(data.asSlice(from * rowBytes, count * rowBytes), format, count, cols);
    }

    /** All of it widened to float32 (for tests and small matrices). */
    public float[] toFloats() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            row(r, out, r * cols);
        }
        return out;
    }
}
