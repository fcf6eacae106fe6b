package org.moe4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A read-only weight matrix [rows, cols], row-major, in the format it is stored in: float32, one of
 * the 16-bit formats of model files (IEEE half, bfloat16), or MXFP4, usually a view of a
 * memory-mapped file. Nothing is widened into a float32 copy: kernels read the stored bits and widen
 * them in registers. Row r holds the weights of output r (an nn.Linear weight [out, in]).
 *
 * <p>MXFP4 (OCP Microscaling, as gpt-oss ships its experts): each row is cut into blocks of 32
 * columns; a block is 16 bytes of FP4 e2m1 codes, column 2j in the low nibble of byte j and column
 * 2j + 1 in the high one, and one E8M0 scale byte in {@code scales} (2^(s - 127)).
 */
public record WeightMatrix(MemorySegment data, Format format, int rows, int cols, MemorySegment scales) {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The sixteen FP4 e2m1 values by code. */
    public static final float[] FP4_VALUES = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f};
    /** Columns per MXFP4 block. */
    public static final int MXFP4_BLOCK = 32;

    /** The stored element formats, all little-endian. */
    public enum Format {
        F32(4), F16(2), BF16(2),
        /** Half a byte per element plus a scale byte per 32: {@link #bytes} is 0, see {@link WeightMatrix#byteSize}. */
        MXFP4(0);

        private final int bytes;

        Format(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element (0 for MXFP4, which packs two elements a byte). */
        public int bytes() {
            return bytes;
        }
    }

    public WeightMatrix {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("weight matrix: shape [" + rows + ", " + cols + "]; both must be >= 0");
        }
        if (format == Format.MXFP4) {
            if (cols % MXFP4_BLOCK != 0) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of MXFP4: cols must be a multiple of 32");
            }
            long blocks = (long) rows * (cols / MXFP4_BLOCK);
            if (data.byteSize() != blocks * 16 || scales == null || scales.byteSize() != blocks) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of MXFP4 needs " + blocks * 16
                        + " bytes of blocks and " + blocks + " scales, has " + data.byteSize() + " and "
                        + (scales == null ? "none" : scales.byteSize()));
            }
        } else {
            long need = (long) rows * cols * format.bytes();
            if (data.byteSize() != need) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of " + format + " needs " + need
                        + " bytes, the data has " + data.byteSize());
            }
        }
    }

    /** A matrix of one of the element formats (F32, F16, BF16). */
    public WeightMatrix(MemorySegment data, Format format, int rows, int cols) {
        this(data, format, rows, cols, null);
    }

    /** An MXFP4 matrix: 16 bytes of codes and one scale per block of 32 columns. */
    public static WeightMatrix mxfp4(MemorySegment blocks, MemorySegment scales, int rows, int cols) {
        return new WeightMatrix(blocks, Format.MXFP4, rows, cols, scales);
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
        return data.byteSize() + (scales == null ? 0 : scales.byteSize());
    }

    /** Element (r, c), widened exactly to float32. */
    public float get(int r, int c) {
        long i = (long) r * cols + c;
        return switch (format) {
            case F32 -> data.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xFFFF) << 16);
            case MXFP4 -> {
                int code = (data.get(ValueLayout.JAVA_BYTE, i >>> 1) >>> ((c & 1) * 4)) & 0xF;
                int scale = scales.get(ValueLayout.JAVA_BYTE, i / MXFP4_BLOCK) & 0xFF;
                yield Math.scalb(FP4_VALUES[code], scale - 127);
            }
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
        if (format == Format.MXFP4) {
            long rowBlocks = cols / MXFP4_BLOCK;
            return new WeightMatrix(data.asSlice(from * rowBlocks * 16, count * rowBlocks * 16), format, count, cols,
                    scales.asSlice(from * rowBlocks, count * rowBlocks));
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
