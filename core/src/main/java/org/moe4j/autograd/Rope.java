package org.moe4j.autograd;

import org.moe4j.kernel.RotaryEmbedding;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** Rotary position embeddings as a differentiable operation; the formula is in {@link RotaryEmbedding}. */
public final class Rope {
    private Rope() {}

    /**
     * Rotates x [B*T, heads*headDim] (rows b-major, position of row r = startPosition + r % T).
     * Backward: the inverse rotation of the upstream gradient.
     */
    public static Variable apply(Variable x, int seqLen, int heads, int headDim, double theta, int startPosition) {
        Tensor xv = x.value();
        RotaryEmbedding rope = RotaryEmbedding.shared(headDim, theta);
        if (xv.rank() != 2 || xv.cols() != heads * headDim || seqLen < 1 || xv.rows() % seqLen != 0) {
            throw new IllegalArgumentException("rope: input shape " + Shape.str(xv.shape()) + " must be [B*T, heads*headDim] = [B*"
                    + seqLen + ", " + heads * headDim + "]");
        }
        int rows = xv.rows();
        int[] positions = new int[rows];
        for (int r = 0; r < rows; r++) positions[r] = startPosition + r % seqLen;
        Tensor y = Tensor.zeros(xv.shape());
        rope.apply(xv.data(), xv.offset(), rows, heads, positions, false, y.data(), 0);
        return Variable.result("rope", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            rope.apply(dy.data(), dy.offset(), rows, heads, positions, true, dx.data(), 0);
            x.accumulateGrad(dx);
        }, x);
    }
}
