package org.moe4j.autograd;

import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** A copy of a tensor with its last two axes swapped, matrix by matrix along the leading axes. */
final class Transpose {
    private Transpose() {}

    /** Block edge of the tiled copy: a tile of rows and one of columns stay in L1 together. */
    private static final int TILE = 32;

    // t: (..., r, c)   returns (..., c, r)
    static Tensor lastTwoAxes(Tensor t) {
        if (t.rank() < 2) {
            throw new IllegalArgumentException("transpose: shape " + Shape.str(t.shape()) + " needs at least two axes");
        }
        int[] shape = t.shape();
        int r = shape[shape.length - 2];
        int c = shape[shape.length - 1];
        shape[shape.length - 2] = c;
        shape[shape.length - 1] = r;
        Tensor out = Tensor.zeros(shape);
        int matrices = r * c == 0 ? 0 : t.size() / (r * c);
        float[] src = t.data();
        float[] dst = out.data();
        for (int m = 0; m < matrices; m++) {
            int s0 = t.offset() + m * r * c;
            int d0 = m * r * c;
            for (int i0 = 0; i0 < r; i0 += TILE) {
                for (int j0 = 0; j0 < c; j0 += TILE) {
                    for (int i = i0, iEnd = Math.min(r, i0 + TILE); i < iEnd; i++) {
                        for (int j = j0, jEnd = Math.min(c, j0 + TILE); j < jEnd; j++) {
                            dst[d0 + j * r + i] = src[s0 + i * c + j];
                        }
                    }
                }
            }
        }
        return out;
    }
}
