package org.moe4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * A read-only weight matrix [rows, cols], row-major, in the format it is stored in: float32, one of
 * the 16-bit formats of model files (IEEE half, bfloat16), or MXFP4, usually a view of a
 * memory-mapped file. Nothing is widened into a float32 copy: kernels read the stored bits and widen
 * them in registers. Row r holds the weights of output r (an nn.Linear weight [out, in]).
 *
 * <p>MXFP4 (OCP Microscaling, as gpt-oss ships its experts): each row is cut into blocks of 32
 * columns; a block is 16 bytes of FP4 e2m1 codes, column 2j in the low nibble of byte j and column
 * 2j + 1 in the high one, and one E8M0 scale byte in {@code scales} (2^(s - 127)).
 *
 * <p>The block formats of GGUF files (ggml's Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and MXFP4) cut each row
 * into blocks of 32 or 256 columns that carry their own scales, so they need no side segment; the
 * layout of each block and its decoding are in {@link org.moe4j.tensor.quant.Dequantizer}.
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
        F32(4, 1, 4), F16(2, 1, 2), BF16(2, 1, 2),
        /** Half a byte per element plus a scale byte per 32 in {@code scales}: {@link #bytes} is 0, see {@link WeightMatrix#byteSize}. */
        MXFP4(0, 32, 16),
        /** ggml's blocks of 32: an f16 scale and 32 signed bytes. */
        Q8_0(0, 32, 34),
        /** ggml's blocks of 32: an f16 scale and 16 bytes of 4-bit codes, offset by 8. */
        Q4_0(0, 32, 18),
        /** ggml's super-blocks of 256: f16 scale and minimum, 8 six-bit sub-block scales and minima, 4-bit codes. */
        Q4_K(0, 256, 144),
        /** As Q4_K with a fifth bit per code. */
        Q5_K(0, 256, 176),
        /** ggml's super-blocks of 256: 6-bit codes offset by 32, 16 signed 8-bit sub-block scales, an f16 scale. */
        Q6_K(0, 256, 210),
        /** ggml's MXFP4 blocks of 32: the E8M0 scale byte, then 16 bytes of FP4 codes (column j low nibble, j + 16 high). */
        MXFP4_GGML(0, 32, 17);

        private final int bytes;
        private final int blockSize;
        private final int blockBytes;

        Format(int bytes, int blockSize, int blockBytes) {
            this.bytes = bytes;
            this.blockSize = blockSize;
            this.blockBytes = blockBytes;
        }

        /** Bytes per element of F32, F16 and BF16 (0 for the formats that pack elements into blocks). */
        public int bytes() {
            return bytes;
        }

        /** Columns per block (1 for F32, F16 and BF16). */
        public int blockSize() {
            return blockSize;
        }

        /** Bytes per block in {@code data} (MXFP4's scales are apart). */
        public int blockBytes() {
            return blockBytes;
        }

        /** True for the formats whose blocks carry their scales (GGUF's), which {@link #rowBytes} sizes. */
        public boolean isBlockQuantized() {
            return bytes == 0 && this != MXFP4;
        }

        /** Bytes of one row of {@code cols} columns in {@code data}. */
        public long rowBytes(int cols) {
            return (long) cols / blockSize * blockBytes;
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
        } else if (format.isBlockQuantized()) {
            if (cols % format.blockSize() != 0) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of " + format + ": cols must be a multiple of "
                        + format.blockSize());
            }
            long need = rows * format.rowBytes(cols);
            if (data.byteSize() != need) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of " + format + " needs " + need
                        + " bytes, the data has " + data.byteSize());
            }
        } else {
            long need = (long) rows * cols * format.bytes();
            if (data.byteSize() != need) {
                throw new IllegalArgumentException("weight matrix [" + rows + ", " + cols + "] of " + format + " needs " + need
                        + " bytes, the data has " + data.byteSize());
            }
        }
    }

    /** A matrix of one of the element formats (F32, F16, BF16) or of the block formats. */
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
            default -> {
                float[] block = new float[format.blockSize()];
                long rowBytes = format.rowBytes(cols);
                Dequantizer.block(format, data, r * rowBytes + (long) (c / format.blockSize()) * format.blockBytes(), block, 0);
                yield block[c % format.blockSize()];
            }
        };
    }

    /** Row r widened into {@code dst[off .. off + cols)}. */
    public void row(int r, float[] dst, int off) {
        if (format.isBlockQuantized()) {
            long rowBytes = format.rowBytes(cols);
            for (int b = 0; b < cols / format.blockSize(); b++) {
                Dequantizer.block(format, data, r * rowBytes + (long) b * format.blockBytes(), dst, off + b * format.blockSize());
            }
            return;
        }
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
        long rowBytes = format.isBlockQuantized() ? format.rowBytes(cols) : (long) cols * format.bytes();
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
