package org.moe4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/** Each of the nine products {@code bench moe} times alone computes what the layer's product of that form computes. */
class MoeProductsTest {
    private static final int D = 5;
    private static final int H = 7;

    @Test
    void everyProductMatchesAPlainLoopAndIdleExpertsAreSkipped() {
        MoeProducts p = new MoeProducts(D, H, new int[] {3, 0, 4}, new Rng(11));
        assertArrayEquals(new int[] {3, 4}, p.rows);
        assertEquals(18.0 * 7 * D * H, p.flops());
        p.run();
        int[] first = {0, 3};
        float[] gate = new float[7 * H], up = new float[7 * H], y = new float[7 * D], dHidden = new float[7 * H], dx = new float[7 * D];
        float[] dw1 = new float[2 * H * D], dw3 = new float[2 * H * D], dw2 = new float[2 * D * H];
        for (int g = 0; g < 2; g++) {
            int w = g * H * D;
            for (int r = first[g]; r < first[g] + p.rows[g]; r++) {
                for (int j = 0; j < H; j++) {
                    for (int i = 0; i < D; i++) {
                        gate[r * H + j] += p.x[r * D + i] * p.w1[w + j * D + i];
                        up[r * H + j] += p.x[r * D + i] * p.w3[w + j * D + i];
                        dHidden[r * H + j] += p.dy[r * D + i] * p.w2[w + i * H + j];
                        dw2[w + i * H + j] += p.dy[r * D + i] * p.hidden[r * H + j];
                    }
                }
                for (int i = 0; i < D; i++) {
                    for (int j = 0; j < H; j++) {
                        y[r * D + i] += p.hidden[r * H + j] * p.w2[w + i * H + j];
                    }
                }
            }
            // the backward's dG and dU are dH itself (MoeProducts reuses it)
            for (int r = first[g]; r < first[g] + p.rows[g]; r++) {
                for (int i = 0; i < D; i++) {
                    for (int j = 0; j < H; j++) {
                        dx[r * D + i] += p.dHidden[r * H + j] * (p.w1[w + j * D + i] + p.w3[w + j * D + i]);
                        dw1[w + j * D + i] += p.dHidden[r * H + j] * p.x[r * D + i];
                        dw3[w + j * D + i] += p.dHidden[r * H + j] * p.x[r * D + i];
                    }
                }
            }
        }
        assertArrayEquals(gate, p.gate, 1e-4f, "G = X W1^T");
        assertArrayEquals(up, p.up, 1e-4f, "U = X W3^T");
        assertArrayEquals(y, p.y, 1e-4f, "Y = H W2^T");
        assertArrayEquals(dHidden, p.dHidden, 1e-4f, "dH = dY W2");
        assertArrayEquals(dw2, p.dw2, 1e-4f, "dW2 = dY^T H");
        assertArrayEquals(dx, p.dx, 1e-4f, "dX = dG W1 + dU W3");
        assertArrayEquals(dw1, p.dw1, 1e-4f, "dW1 = dG^T X");
        assertArrayEquals(dw3, p.dw3, 1e-4f, "dW3 = dU^T X");
    }
}
