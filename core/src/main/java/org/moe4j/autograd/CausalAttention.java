package org.moe4j.autograd;

import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.RotaryEmbedding;
import org.moe4j.kernel.Softmax;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Causal scaled dot-product attention with grouped-query heads (Vaswani et al. 2017; Ainslie et
 * al. 2023), one coarse operation. For each sequence b and query head h, with kv head
 * g = h / (heads / kvHeads):
 * <pre>
 *   S = Q_h K_g^T / sqrt(headDim)      masked to j <= i
 *   P = softmax_rows(S)
 *   O_h = P V_g
 * </pre>
 * Backward: dV_g += P^T dO_h, dP = dO_h V_g^T, dS = P * (dP - rowsum(dP * P)),
 * dQ_h = dS K_g / sqrt(headDim), dK_g += dS^T Q_h / sqrt(headDim). P is kept for the backward.
 */
public final class CausalAttention {
    private CausalAttention() {}

    /**
     * q [B*T, heads*headDim], k and v [B*T, kvHeads*headDim], rows b-major; returns [B*T, heads*headDim].
     */
    public static Variable apply(Variable q, Variable k, Variable v, int seqLen, int heads, int kvHeads, int headDim) {
        Tensor qv = q.value();
        Tensor kv = k.value();
        Tensor vv = v.value();
        if (heads < 1 || kvHeads < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("attention: heads " + heads + " must be a positive multiple of kvHeads " + kvHeads);
        }
        int rows = qv.rows();
        int qCols = heads * headDim;
        int kvCols = kvHeads * headDim;
        if (qv.rank() != 2 || qv.cols() != qCols || seqLen < 1 || rows % seqLen != 0) {
            throw new IllegalArgumentException("attention: q shape " + Shape.str(qv.shape()) + " must be [B*" + seqLen + ", " + qCols + "]");
        }
        if (kv.rank() != 2 || kv.rows() != rows || kv.cols() != kvCols) {
            throw new IllegalArgumentException("attention: k shape " + Shape.str(kv.shape()) + " must be [" + rows + ", " + kvCols + "]");
        }
        if (vv.rank() != 2 || vv.rows() != rows || vv.cols() != kvCols) {
            throw new IllegalArgumentException("attention: v shape " + Shape.str(vv.shape()) + " must be [" + rows + ", " + kvCols + "]");
        }
        float[] out = new float[rows * qCols];
        float[] probs = new float[heads * rows * seqLen];
        forward(new Columns(qv.data(), qv.offset(), qCols), new Columns(kv.data(), kv.offset(), kvCols),
                new Columns(vv.data(), vv.offset(), kvCols), new Columns(out, 0, qCols), probs, rows, seqLen, heads, kvHeads, headDim);
        return Variable.result("causal_attention", Tensor.of(out, rows, qCols), dOut -> {
            // every element of dq, dk and dv is written
            Tensor dq = Tensor.zeros(rows, qCols);
            Tensor dk = Tensor.zeros(rows, kvCols);
            Tensor dv = Tensor.zeros(rows, kvCols);
            backward(new Columns(qv.data(), qv.offset(), qCols), new Columns(kv.data(), kv.offset(), kvCols),
                    new Columns(vv.data(), vv.offset(), kvCols), probs, new Columns(dOut.data(), dOut.offset(), qCols),
                    new Columns(dq.data(), 0, qCols), new Columns(dk.data(), 0, kvCols), new Columns(dv.data(), 0, kvCols),
                    rows, seqLen, heads, kvHeads, headDim);
            q.accumulateOwnedGrad(dq);
            k.accumulateOwnedGrad(dk);
            v.accumulateOwnedGrad(dv);
        }, q, k, v);
    }

    /** Rows of a matrix at {@code off + r * ld} in {@code data}: a tensor or a block of columns of a wider one. */
    record Columns(float[] data, int off, int ld) {}

    /**
     * The forward of {@link #apply} on rows of q [rows, heads*headDim], k and v [rows, kvHeads*headDim]
     * (shapes already checked): writes every element of out and of p, P (B, heads, T, T) with zeros
     * above the diagonal, whatever they held.
     */
    static void forward(Columns q, Columns k, Columns v, Columns out, float[] p, int rows, int seqLen, int heads, int kvHeads,
                        int headDim) {
        int batch = rows / seqLen;
        int T = seqLen;
        int group = heads / kvHeads;
        float scale = (float) (1 / Math.sqrt(headDim));
        // one task per (sequence, head): each writes its own block of probs and its own columns of out
        KernelPool.parallelFor(batch * heads, task -> {
            int b = task / heads;
            int h = task % heads;
            int g = h / group;
            int pOff = (b * heads + h) * T * T;
            lowerScores(T, headDim, scale, q.data(), q.off() + b * T * q.ld() + h * headDim, q.ld(),
                    k.data(), k.off() + b * T * k.ld() + g * headDim, k.ld(), p, pOff);
            Softmax.causalInPlace(p, pOff, T);
            lowerTimes(T, headDim, 1f, p, pOff, v.data(), v.off() + b * T * v.ld() + g * headDim, v.ld(),
                    out.data(), out.off() + b * T * out.ld() + h * headDim, out.ld());
        });
    }

    /**
     * The backward of {@link #apply} from P (p, as {@link #forward} left it): writes every element
     * of dq, dk and dv, whatever they held. The first head of a group writes dK_g and dV_g (beta = 0)
     * and the others add to them; a sum that starts from the first head's value instead of 0 + it
     * keeps its bits (but for the sign of an exact zero).
     */
    static void backward(Columns q, Columns k, Columns v, float[] p, Columns dOut, Columns dq, Columns dk, Columns dv,
                         int rows, int seqLen, int heads, int kvHeads, int headDim) {
        int batch = rows / seqLen;
        int T = seqLen;
        int group = heads / kvHeads;
        float scale = (float) (1 / Math.sqrt(headDim));
        // one task per (sequence, key/value head): the heads sharing dK_g and dV_g run in order inside it
        KernelPool.parallelFor(batch * kvHeads, task -> {
            int b = task / kvHeads;
            int g = task % kvHeads;
            float[] dp = dpBuffer(T * T);
            int kOff = k.off() + b * T * k.ld() + g * headDim;
            int vOff = v.off() + b * T * v.ld() + g * headDim;
            int dkOff = dk.off() + b * T * dk.ld() + g * headDim;
            int dvOff = dv.off() + b * T * dv.ld() + g * headDim;
            for (int h = g * group; h < (g + 1) * group; h++) {
                int pOff = (b * heads + h) * T * T;
                int qOff = q.off() + b * T * q.ld() + h * headDim;
                int dOutOff = dOut.off() + b * T * dOut.ld() + h * headDim;
                int dqOff = dq.off() + b * T * dq.ld() + h * headDim;
                float beta = h == g * group ? 0f : 1f;
                // dV_g += P^T dO_h
                lowerTransposedTimes(T, headDim, 1f, p, pOff, dOut.data(), dOutOff, dOut.ld(), beta, dv.data(), dvOff, dv.ld());
                // dP = dO_h V_g^T (only where j <= i: the rest of dS is 0)
                lowerScores(T, headDim, 1f, dOut.data(), dOutOff, dOut.ld(), v.data(), vOff, v.ld(), dp, 0);
                Softmax.causalBackwardInPlace(p, pOff, dp, 0, T);
                // dQ_h = dS K_g * scale ; dK_g += dS^T Q_h * scale
                lowerTimes(T, headDim, scale, dp, 0, k.data(), kOff, k.ld(), dq.data(), dqOff, dq.ld());
                lowerTransposedTimes(T, headDim, scale, dp, 0, q.data(), qOff, q.ld(), beta, dk.data(), dkOff, dk.ld());
            }
        });
    }

    /**
     * Each thread's dP/dS block, kept from task to task and step to step (a step's 64 tasks a layer
     * allocated 16 MB of them). No element is read before this task writes it: dP is written on
     * and below the diagonal and in the lower half's rows whole, the softmax backward zeroes each
     * row right of the diagonal, and the products never read the upper right quarter.
     */
    private static final ThreadLocal<float[][]> DP = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] dpBuffer(int size) {
        float[][] holder = DP.get();
        if (holder[0].length < size) {
            holder[0] = new float[size];
        }
        return holder[0];
    }

    /*
     * The products with a causal [T, T] block (P or dS, zero above the diagonal) skip its upper right
     * quarter: rows [0, T/2) only meet columns [0, T/2). That is a quarter of the attention's
     * multiply-adds; the products left out only added exact zeros, so the results keep their bits.
     */

    /** c[i][j] = alpha * a_i . b_j for j <= i at least (a, b: [T, d] rows; c: [T, T] at cOff); c's upper right quarter is not written. */
    private static void lowerScores(int T, int d, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff) {
        int h = T / 2;
        if (h > 0) {
            Gemm.gemm(false, true, h, h, d, alpha, a, aOff, lda, b, bOff, ldb, 0f, c, cOff, T);
        }
        Gemm.gemm(false, true, T - h, T, d, alpha, a, aOff + h * lda, lda, b, bOff, ldb, 0f, c, cOff + h * T, T);
    }

    /** c = alpha * L x, L a [T, T] block at lOff that is zero above the diagonal, x [T, d]; c [T, d] is overwritten. */
    private static void lowerTimes(int T, int d, float alpha, float[] l, int lOff, float[] x, int xOff, int ldx,
                                   float[] c, int cOff, int ldc) {
        int h = T / 2;
        if (h > 0) {
            Gemm.gemm(false, false, h, d, h, alpha, l, lOff, T, x, xOff, ldx, 0f, c, cOff, ldc);
        }
        Gemm.gemm(false, false, T - h, d, T, alpha, l, lOff + h * T, T, x, xOff, ldx, 0f, c, cOff + h * ldc, ldc);
    }

    /**
     * c = alpha * L^T x + beta * c (beta 0 or 1), L a [T, T] block at lOff that is zero above the
     * diagonal, x [T, d]: rows j >= T/2 of c only meet rows i >= T/2 of L.
     */
    private static void lowerTransposedTimes(int T, int d, float alpha, float[] l, int lOff, float[] x, int xOff, int ldx,
                                             float beta, float[] c, int cOff, int ldc) {
        int h = T / 2;
        if (h > 0) {
            Gemm.gemm(true, false, h, d, T, alpha, l, lOff, T, x, xOff, ldx, beta, c, cOff, ldc);
        }
        Gemm.gemm(true, false, T - h, d, T - h, alpha, l, lOff + h * T + h, T, x, xOff + h * ldx, ldx, beta, c, cOff + h * ldc, ldc);
    }

    /**
     * Rotary position embeddings (Su et al. 2021; the formula is in {@link RotaryEmbedding}) of the
     * queries or keys before {@link #apply}. Rotates x [B*T, heads*headDim] (rows b-major, position of row r = startPosition + r % T).
     * Backward: the inverse rotation of the upstream gradient.
     */
    public static Variable rope(Variable x, int seqLen, int heads, int headDim, double theta, int startPosition) {
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
