package org.moe4j.kernel;

import static org.moe4j.kernel.WideningLoads.VL;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.quant.Dequantizer;

/**
 * Rows of a matrix in one of GGUF's block formats (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, MXFP4) times
 * tokens, for {@link WeightProduct}; Q4_K goes to {@link Q4kProduct}, which applies its minima once
 * per sub-block. For the others each output is defined as the float32 kernel's dot product
 * ({@link F32Blocks}: lane-wise fused multiply-adds over whole vectors of columns, then
 * the fixed pairwise lane sum) of the token with the row decoded exactly as
 * {@link Dequantizer} decodes it. Two schedules compute that same sequence of operations:
 * <ul>
 *   <li>one token (decoding): {@link QuantizedKernels} decodes each vector of weights in registers
 *       straight from the packed blocks and multiplies it in, four rows at a time, so the weights
 *       are read once and never written back;</li>
 *   <li>several tokens (prompts, batches): a block of rows is decoded once into a per-thread float
 *       buffer (starting on a cache line) small enough to stay in the core's L2 cache, laid out for {@link PanelBlocks} (groups
 *       of 8 rows interleaved by vectors), whose chunked 8-row blocks run over it for every token.</li>
 * </ul>
 * Both give the same bits, so a sequence decodes to the same result alone or in a batch. Activations
 * stay in float32: quantising them to 8 bits as llama.cpp does would change results with the batch
 * composition unless done per token, and the float path is what the reference defines.
 */
final class QuantizedProduct {
    /** Floats of decoded rows per buffer (256 KiB: with a token panel, a fraction of a core's L2). */
    private static final int BUFFER_FLOATS = 1 << 16;
    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private QuantizedProduct() {}

    /** Per-thread buffers, grown when a wider matrix comes: decoded rows (on a cache line, {@link PanelBlocks#buffer}). */
    private static final class Buffer {
        MemorySegment rows = PanelBlocks.buffer(0);
        float[] acc = new float[0];
        final float[] scales = new float[64];
        final float[] four = new float[4];

        void ensure(int floats, int accumulators) {
            if (rows.byteSize() < 4L * floats) rows = PanelBlocks.buffer(floats);
            if (acc.length < accumulators) acc = new float[accumulators];
        }
    }

    // x: (T, cols) rows ldx apart   y: (T, rows) rows ldy apart; rows [r0, r1) of w, r0 a multiple of 4
    static void rows(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy, boolean add) {
        Format f = w.format();
        if (f == Format.Q4_K) {
            if (QuantizedKernels.SUPPORTED) {
                Q4kProduct.rows(r0, r1, x, xOff, ldx, T, w, y, yOff, ldy, add);
            } else {
                // vectors of other than 8 or 16 floats: the definition itself, one output at a time
                long rowBytes = f.rowBytes(w.cols());
                for (int t = 0; t < T; t++) {
                    for (int r = r0; r < r1; r++) {
                        float v = Q4kReference.dot(w.data(), r * rowBytes, w.cols(), x, xOff + t * ldx, WideningLoads.VL);
                        WeightBlocks.store(y, yOff + t * ldy + r, v, add);
                    }
                }
            }
            return;
        }
        int cols = w.cols();
        long rowBytes = f.rowBytes(cols);
        MemorySegment data = w.data();
        Buffer buffer = BUFFERS.get();
        if (T == 1 && QuantizedKernels.SUPPORTED) {
            // the rows of a block q apart: four long streams of weights that cross their pages together (RowStreams)
            float[] four = buffer.four;
            int r = r0;
            for (int q = RowStreams.spacing(r1 - r, rowBytes); q > 0; r += 4 * q, q = RowStreams.spacing(r1 - r, rowBytes)) {
                for (int i = r; i < r + q; i++) {
                    QuantizedKernels.rows4Token1(f, data, i * rowBytes, q * rowBytes, cols, x, xOff, four, 0, buffer.scales);
                    for (int j = 0; j < 4; j++) WeightBlocks.store(y, yOff + i + j * q, four[j], add);
                }
            }
            if (r < r1) {
                buffer.ensure(cols, 0);
                for (; r < r1; r++) {
                    decode(f, data, r * rowBytes, cols, buffer.rows, 0, 1);
                    WeightBlocks.store(y, yOff + r, F32Blocks.row1Token1(buffer.rows, 0, cols, x, xOff), add);
                }
            }
            return;
        }
        // several tokens: decode a block of rows once, then every token panel runs over it
        int block = Math.max(4, BUFFER_FLOATS / Math.max(1, cols) & ~3);
        int panel = Math.max(4, BUFFER_FLOATS / Math.max(1, cols) & ~3);
        buffer.ensure(block * cols, PanelBlocks.accumulatorFloats(Math.min(T, panel)));
        for (int b0 = r0; b0 < r1; b0 += block) {
            int b1 = Math.min(r1, b0 + block);
            for (int r = b0; r < b1; r++) {
                decode(f, data, r * rowBytes, cols, buffer.rows, PanelBlocks.start(r - b0, b1 - b0, cols), PanelBlocks.spread(r - b0, b1 - b0, cols));
            }
            for (int t0 = 0; t0 < T; t0 += panel) {
                int t1 = Math.min(T, t0 + panel);
                PanelBlocks.multiply(buffer.rows, b1 - b0, cols, x, xOff + t0 * ldx, ldx, t1 - t0, y, yOff + t0 * ldy + b0, ldy, add,
                        buffer.acc);
            }
        }
    }

    /**
     * One row of blocks from byte {@code at} decoded into {@code out}, the vector of columns [c, c + VL) at
     * {@code off + c * spread} ({@code spread} 1: the row in order from {@code off}).
     */
    static void decode(Format f, MemorySegment data, long at, int cols, MemorySegment out, int off, int spread) {
        if (QuantizedKernels.SUPPORTED) {
            QuantizedKernels.decodeRow(f, data, at, cols, out, off, spread);
            return;
        }
        float[] block = new float[f.blockSize()];
        for (int b = 0; b < cols / f.blockSize(); b++) {
            Dequantizer.block(f, data, at + (long) b * f.blockBytes(), block, 0);
            for (int k = 0; k < block.length; k++) {
                int c = b * block.length + k;
                out.setAtIndex(ValueLayout.JAVA_FLOAT, off + (c - c % VL) * spread + c % VL, block[k]);
            }
        }
    }
}
