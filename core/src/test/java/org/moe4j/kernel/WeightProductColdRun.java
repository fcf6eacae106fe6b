package org.moe4j.kernel;

import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;

/**
 * The products of {@link WeightProductJitTest}, printed as raw float bits, one line per product; the
 * test runs it in a JVM that only interprets (-Xint), so nothing of it is compiled.
 */
public final class WeightProductColdRun {
    private WeightProductColdRun() {}

    /** The cases: every format, shapes that reach the 4 x 4, 4 x 1 and 1 x 1 blocks and the tails, several T. */
    static String run() {
        StringBuilder out = new StringBuilder();
        Rng rng = new Rng(21);
        for (Format format : WeightProductTest.ELEMENT_FORMATS) {
            for (int[] shape : new int[][] {{13, 67}, {8, 2 * KernelTesting.LANES}, {5, 3 * KernelTesting.LANES + 5}}) {
                int rows = shape[0], cols = shape[1];
                WeightMatrix w = WeightProductTest.heap(format, KernelTesting.normal(rng, rows * cols, 0.5), rows, cols);
                for (int T : new int[] {1, 3, 6}) {
                    float[] x = KernelTesting.normal(rng, T * cols, 1);
                    float[] y = new float[T * rows];
                    WeightProduct.multiply(x, 0, T, w, y, 0);
                    out.append(format).append(' ').append(rows).append('x').append(cols).append(" T=").append(T).append(':');
                    for (float v : y) {
                        out.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
                    }
                    out.append('\n');
                }
            }
        }
        return out.toString();
    }

    public static void main(String[] args) {
        KernelPool.setThreads(1);
        System.out.print(run());
    }
}
