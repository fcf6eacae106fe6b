package org.moe4j.kernel;

/** Plain loops defining {@link GatherScatter}; arithmetic in double, rounded once per element. */
public final class GatherScatterReference {
    private GatherScatterReference() {}

    public static void gatherRows(float[] x, int xOff, int cols, int[] index, int indexOff, int n, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols; c++) {
                out[outOff + i * cols + c] = x[xOff + index[indexOff + i] * cols + c];
            }
        }
    }

    public static void scatterAddRows(float[] x, int xOff, int n, int cols, float[] weight, int wOff,
                                      int[] index, int indexOff, float[] out, int outOff) {
        for (int i = 0; i < n; i++) {
            double w = weight == null ? 1 : weight[wOff + i];
            for (int c = 0; c < cols; c++) {
                int o = outOff + index[indexOff + i] * cols + c;
                out[o] = (float) (out[o] + w * x[xOff + i * cols + c]);
            }
        }
    }

    public static void scatterAddRowsBackward(float[] dOut, int dOutOff, int cols, float[] x, int xOff, float[] weight, int wOff,
                                              int[] index, int indexOff, int n, float[] dx, int dxOff, float[] dWeight, int dwOff) {
        for (int i = 0; i < n; i++) {
            double w = weight == null ? 1 : weight[wOff + i];
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                double g = dOut[dOutOff + index[indexOff + i] * cols + c];
                dx[dxOff + i * cols + c] = (float) (w * g);
                dot += g * x[xOff + i * cols + c];
            }
            dWeight[dwOff + i] = (float) dot;
        }
    }

    /** out[t, :] = sum over i in [start[t], start[t + 1]) of weight[rows[i]] * x[rows[i], :] for t in [t0, t1), in double. */
    public static void combineRows(float[] x, int xOff, int cols, float[] weight, int[] start, int[] rows, int t0, int t1,
                                   float[] out, int outOff) {
        for (int t = t0; t < t1; t++) {
            for (int c = 0; c < cols; c++) {
                double sum = 0;
                for (int i = start[t]; i < start[t + 1]; i++) {
                    sum += (weight == null ? 1 : weight[rows[i]]) * (double) x[xOff + rows[i] * cols + c];
                }
                out[outOff + t * cols + c] = (float) sum;
            }
        }
    }
}
