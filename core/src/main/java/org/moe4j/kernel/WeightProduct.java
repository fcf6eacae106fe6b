package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import org.moe4j.tensor.WeightMatrix;

/**
 * y = x W^T for a weight matrix in its stored format (float32, half or bfloat16, usually memory
 * mapped): the product of inference, where each weight is read once per call. Each y[t][r] is the
 * dot product of row t of x with row r of W computed the same way whatever T and the thread count
 * (lane-wise fused multiply-adds over c, then a fixed-order lane sum), so a sequence's results do
 * not depend on the batch it is decoded in. Rows of W are spread over the {@link KernelPool}.
 */
public final class WeightProduct {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int VL = F.length();
    /** Rows per parallel task. */
    private static final int ROW_BLOCK = 16;

    private WeightProduct() {}

    // x: (T, cols) from xOff   w: (rows, cols)   y: (T, rows) from yOff
    public static void multiply(float[] x, int xOff, int T, WeightMatrix w, float[] y, int yOff) {
        int rows = w.rows();
        int cols = w.cols();
        if (xOff < 0 || yOff < 0 || T < 0 || xOff + (long) T * cols > x.length || yOff + (long) T * rows > y.length) {
            throw new IndexOutOfBoundsException("weightProduct: x of " + x.length + " floats from " + xOff + ", y of " + y.length
                    + " from " + yOff + ", for " + T + " rows of " + cols + " -> " + rows);
        }
        int blocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
        KernelPool.parallelFor(blocks, b -> {
            int r0 = b * ROW_BLOCK;
            int r1 = Math.min(rows, r0 + ROW_BLOCK);
            for (int r = r0; r < r1; r++) {
                for (int t = 0; t < T; t++) {
                    y[yOff + t * rows + r] = dot(x, xOff + t * cols, w, r);
                }
            }
        });
    }

    private static float dot(float[] x, int xo, WeightMatrix w, int r) {
        int cols = w.cols();
        MemorySegment seg = w.data();
        long base = (long) r * cols * w.format().bytes();
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        int upper = cols - cols % VL;
        switch (w.format()) {
            case F32 -> {
                for (; c < upper; c += VL) {
                    FloatVector wv = FloatVector.fromMemorySegment(F, seg, base + 4L * c, ByteOrder.LITTLE_ENDIAN);
                    acc = FloatVector.fromArray(F, x, xo + c).fma(wv, acc);
                }
            }
            case BF16 -> {
                for (; c < upper; c += VL) {
                    ShortVector sv = ShortVector.fromMemorySegment(S, seg, base + 2L * c, ByteOrder.LITTLE_ENDIAN);
                    FloatVector wv = ((IntVector) sv.convertShape(VectorOperators.S2I, I, 0))
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                    acc = FloatVector.fromArray(F, x, xo + c).fma(wv, acc);
                }
            }
            case F16 -> {
                float[] wv = new float[VL];
                for (; c < upper; c += VL) {
                    for (int i = 0; i < VL; i++) {
                        wv[i] = w.get(r, c + i);
                    }
                    acc = FloatVector.fromArray(F, x, xo + c).fma(FloatVector.fromArray(F, wv, 0), acc);
                }
            }
        }
        float s = Lanes.sum(acc);
        for (; c < cols; c++) {
            s = Math.fma(x[xo + c], w.get(r, c), s);
        }
        return s;
    }
}
