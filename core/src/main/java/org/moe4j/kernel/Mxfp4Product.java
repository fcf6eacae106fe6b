package org.moe4j.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.moe4j.tensor.WeightMatrix;

/**
 * Rows of an MXFP4 weight matrix times tokens, for {@link WeightProduct}: each row is decoded once
 * per call into a per-thread float buffer (the FP4 value times its block's power-of-two scale, which
 * float32 holds exactly), then every token takes its dot product with it through
 * {@link Reductions#dot}, one fixed order of operations whatever the batch.
 */
final class Mxfp4Product {
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private Mxfp4Product() {}

    // x: (T, cols) rows ldx apart   y: (T, rows) rows ldy apart; rows [r0, r1) of w
    static void rows(int r0, int r1, float[] x, int xOff, int ldx, int T, WeightMatrix w, float[] y, int yOff, int ldy, boolean add) {
        int cols = w.cols();
        float[][] holder = ROW.get();
        if (holder[0].length < cols) holder[0] = new float[cols];
        float[] row = holder[0];
        for (int r = r0; r < r1; r++) {
            decodeRow(w, r, row);
            for (int t = 0; t < T; t++) {
                float dot = Reductions.dot(x, xOff + t * ldx, row, 0, cols);
                y[yOff + t * ldy + r] = add ? y[yOff + t * ldy + r] + dot : dot;
            }
        }
    }

    /** Row r of an MXFP4 matrix as floats. */
    static void decodeRow(WeightMatrix w, int r, float[] out) {
        int blocks = w.cols() / WeightMatrix.MXFP4_BLOCK;
        MemorySegment codes = w.data();
        MemorySegment scales = w.scales();
        long b0 = (long) r * blocks;
        float[] lut = WeightMatrix.FP4_VALUES;
        for (int b = 0; b < blocks; b++) {
            float scale = Math.scalb(1f, (scales.get(ValueLayout.JAVA_BYTE, b0 + b) & 0xFF) - 127);
            long base = (b0 + b) * 16;
            int o = b * WeightMatrix.MXFP4_BLOCK;
            for (int j = 0; j < 16; j++) {
                int v = codes.get(ValueLayout.JAVA_BYTE, base + j);
                out[o + 2 * j] = lut[v & 0xF] * scale;
                out[o + 2 * j + 1] = lut[(v >>> 4) & 0xF] * scale;
            }
        }
    }
}
