package org.moe4j.bench;

import org.moe4j.kernel.gemm.GroupedGemm;
import org.moe4j.tensor.Rng;

/**
 * The nine grouped products of a SwiGLU MoE layer's forward and backward, alone: what the layer
 * would cost if routing, the SwiGLU, the gathers and the scatters were free, on the same rows per
 * expert. {@link MoeBench} reports the layer's rate against this one, so that the layer's
 * overhead is measured apart from the GEMM it runs on. With R_e rows routed to expert e, weights
 * W1, W3 (h x d) and W2 (d x h) per expert:
 * <pre>
 *   forward   G = X W1^T, U = X W3^T (R_e x h), Y = H W2^T (R_e x d)
 *   backward  dH = dY W2, dW2 = dY^T H, dX = dG W1 + dU W3, dW1 = dG^T X, dW3 = dU^T X
 * </pre>
 * the same forms {@code GroupedLinear} runs (x W^T forward, dY W and dY^T X backward), 18 R d h
 * floating-point operations in all (R the routed rows). Operands are random; every array is as
 * large as the layer's, so the weights come from memory as they do in the layer. The arrays are
 * package-private for the test that checks each product against a plain loop.
 */
final class MoeProducts {
    private final int d;
    private final int h;
    final int[] rows;
    private final int routed;
    private final int[] rowOffD;
    private final int[] rowOffH;
    private final int[] wOff;
    private final int[] dFill;
    private final int[] hFill;
    final float[] x;
    final float[] w1;
    final float[] w3;
    final float[] w2;
    final float[] gate;
    final float[] up;
    final float[] hidden;
    final float[] y;
    final float[] dy;
    final float[] dHidden;
    final float[] dx;
    final float[] dw1;
    final float[] dw3;
    final float[] dw2;

    /** Products for experts of width d and hidden size h with {@code rowsPerExpert[e]} routed rows each (idle experts skipped, as the layer does). */
    MoeProducts(int d, int h, int[] rowsPerExpert, Rng rng) {
        this.d = d;
        this.h = h;
        this.rows = java.util.Arrays.stream(rowsPerExpert).filter(c -> c > 0).toArray();
        int e = rows.length;
        rowOffD = new int[e];
        rowOffH = new int[e];
        wOff = new int[e];
        dFill = new int[e];
        hFill = new int[e];
        int r = 0;
        for (int g = 0; g < e; g++) {
            rowOffD[g] = r * d;
            rowOffH[g] = r * h;
            wOff[g] = g * h * d;
            dFill[g] = d;
            hFill[g] = h;
            r += rows[g];
        }
        routed = r;
        x = Operands.uniform(rng, (long) routed * d, "X");
        w1 = Operands.uniform(rng, (long) e * h * d, "W1");
        w3 = Operands.uniform(rng, (long) e * h * d, "W3");
        w2 = Operands.uniform(rng, (long) e * h * d, "W2");
        gate = new float[routed * h];
        up = new float[routed * h];
        hidden = Operands.uniform(rng, (long) routed * h, "H");
        y = new float[routed * d];
        dy = Operands.uniform(rng, (long) routed * d, "dY");
        dHidden = new float[routed * h];
        dx = new float[routed * d];
        dw1 = new float[e * h * d];
        dw3 = new float[e * h * d];
        dw2 = new float[e * h * d];
    }

    /** Floating-point operations of one {@link #run}: 9 products of 2 R d h each. */
    double flops() {
        return 18.0 * routed * d * h;
    }

    /** The forward's three products, then the backward's six (dG and dU reuse dH's values: only the cost matters). */
    void run() {
        GroupedGemm.gemm(false, true, rows, hFill, dFill, 1f, x, rowOffD, d, w1, wOff, d, 0f, gate, rowOffH, h);
        GroupedGemm.gemm(false, true, rows, hFill, dFill, 1f, x, rowOffD, d, w3, wOff, d, 0f, up, rowOffH, h);
        GroupedGemm.gemm(false, true, rows, dFill, hFill, 1f, hidden, rowOffH, h, w2, wOff, h, 0f, y, rowOffD, d);
        GroupedGemm.gemm(false, false, rows, hFill, dFill, 1f, dy, rowOffD, d, w2, wOff, h, 0f, dHidden, rowOffH, h);
        GroupedGemm.gemm(true, false, dFill, hFill, rows, 1f, dy, rowOffD, d, hidden, rowOffH, h, 0f, dw2, wOff, h);
        GroupedGemm.gemm(false, false, rows, dFill, hFill, 1f, dHidden, rowOffH, h, w1, wOff, d, 0f, dx, rowOffD, d);
        GroupedGemm.gemm(false, false, rows, dFill, hFill, 1f, dHidden, rowOffH, h, w3, wOff, d, 1f, dx, rowOffD, d);
        GroupedGemm.gemm(true, false, hFill, dFill, rows, 1f, dHidden, rowOffH, h, x, rowOffD, d, 0f, dw1, wOff, d);
        GroupedGemm.gemm(true, false, hFill, dFill, rows, 1f, dHidden, rowOffH, h, x, rowOffD, d, 0f, dw3, wOff, d);
    }
}
