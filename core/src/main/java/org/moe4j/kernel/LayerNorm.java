package org.moe4j.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * LayerNorm over each row (Ba, Kiros and Hinton 2016; PyTorch's nn.LayerNorm over the last axis):
 * y = (x - mean) * s * w + b with s = 1 / sqrt(var + eps), var the biased (divide by n) variance,
 * computed in two passes (mean, then squared deviations) so that a large common offset does not
 * cancel the variance away. The forward saves mean and s for the backward. The bias may be null
 * (LayerNorm without bias). Double-precision definitions are in {@link NormReference}.
 */
public final class LayerNorm {
    private LayerNorm() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    // x, y: (rows, cols)   weight, bias: (cols)   mean, invStd: (rows)
    /** y = (x - mean) * invStd * weight + bias per row, writing mean[r] and invStd[r]. y may be x. */
    public static void forward(float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float[] bias, int bOff,
                               float eps, float[] y, int yOff, float[] mean, int meanOff, float[] invStd, int invStdOff) {
        KernelChecks.normShapes("layerNorm", x, xOff, rows, cols, weight, wOff, bias, bOff, "y", y, yOff);
        KernelChecks.epsilon("layerNorm", eps);
        KernelChecks.region("layerNorm", "mean", mean, meanOff, rows);
        KernelChecks.region("layerNorm", "invStd", invStd, invStdOff, rows);
        KernelPool.forRows(rows, cols, (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = xOff + r * cols, yr = yOff + r * cols;
                float mu = Reductions.sum(x, xr, cols) / cols;
                FloatVector acc = FloatVector.zero(F);
                int c = 0;
                for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                    FloatVector d = FloatVector.fromArray(F, x, xr + c).sub(mu);
                    acc = d.fma(d, acc);
                }
                float squares = VectorMath.sumLanes(acc);
                for (; c < cols; c++) {
                    float d = x[xr + c] - mu;
                    squares += d * d;
                }
                float s = (float) (1 / Math.sqrt((double) squares / cols + eps));
                mean[meanOff + r] = mu;
                invStd[invStdOff + r] = s;
                c = 0;
                for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, x, xr + c).sub(mu).mul(s).mul(FloatVector.fromArray(F, weight, wOff + c));
                    if (bias != null) {
                        v = v.add(FloatVector.fromArray(F, bias, bOff + c));
                    }
                    v.intoArray(y, yr + c);
                }
                for (; c < cols; c++) {
                    float v = (x[xr + c] - mu) * s * weight[wOff + c];
                    y[yr + c] = bias != null ? v + bias[bOff + c] : v;
                }
            }
        });
    }

    // x, dy, dx: (rows, cols)   weight, dWeight, dBias: (cols)   mean, invStd: (rows)
    /**
     * With xhat = (x - mean) * s and g = dy * w:
     * dx = s * (g - mean(g) - xhat * mean(g * xhat)) (overwritten);
     * dWeight += sum over rows of dy * xhat, dBias += sum over rows of dy (accumulated; dBias may be null).
     */
    public static void backward(float[] x, int xOff, int rows, int cols, float[] weight, int wOff,
                                float[] mean, int meanOff, float[] invStd, int invStdOff, float[] dy, int dyOff,
                                float[] dx, int dxOff, float[] dWeight, int dwOff, float[] dBias, int dbOff) {
        KernelChecks.normShapes("layerNormBackward", x, xOff, rows, cols, weight, wOff, null, 0, "dx", dx, dxOff);
        KernelChecks.region("layerNormBackward", "mean", mean, meanOff, rows);
        KernelChecks.region("layerNormBackward", "invStd", invStd, invStdOff, rows);
        KernelChecks.region("layerNormBackward", "dy", dy, dyOff, (long) rows * cols);
        KernelChecks.region("layerNormBackward", "dWeight", dWeight, dwOff, cols);
        if (dBias != null) {
            KernelChecks.region("layerNormBackward", "dBias", dBias, dbOff, cols);
        }
        for (int r = 0; r < rows; r++) {
            int xr = xOff + r * cols, dyr = dyOff + r * cols, dxr = dxOff + r * cols;
            float mu = mean[meanOff + r], s = invStd[invStdOff + r];
            FloatVector sumG = FloatVector.zero(F), sumGXhat = FloatVector.zero(F);
            int c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector g = FloatVector.fromArray(F, dy, dyr + c).mul(FloatVector.fromArray(F, weight, wOff + c));
                FloatVector xhat = FloatVector.fromArray(F, x, xr + c).sub(mu).mul(s);
                sumG = sumG.add(g);
                sumGXhat = g.fma(xhat, sumGXhat);
            }
            float meanG = VectorMath.sumLanes(sumG);
            float meanGXhat = VectorMath.sumLanes(sumGXhat);
            for (; c < cols; c++) {
                float g = dy[dyr + c] * weight[wOff + c];
                meanG += g;
                meanGXhat += g * (x[xr + c] - mu) * s;
            }
            meanG /= cols;
            meanGXhat /= cols;
            c = 0;
            for (int upper = F.loopBound(cols); c < upper; c += F.length()) {
                FloatVector vdy = FloatVector.fromArray(F, dy, dyr + c);
                FloatVector g = vdy.mul(FloatVector.fromArray(F, weight, wOff + c));
                FloatVector xhat = FloatVector.fromArray(F, x, xr + c).sub(mu).mul(s);
                FloatVector.fromArray(F, dWeight, dwOff + c).add(vdy.mul(xhat)).intoArray(dWeight, dwOff + c);
                if (dBias != null) {
                    FloatVector.fromArray(F, dBias, dbOff + c).add(vdy).intoArray(dBias, dbOff + c);
                }
                g.sub(meanG).sub(xhat.mul(meanGXhat)).mul(s).intoArray(dx, dxr + c);
            }
            for (; c < cols; c++) {
                float g = dy[dyr + c] * weight[wOff + c];
                float xhat = (x[xr + c] - mu) * s;
                dWeight[dwOff + c] += dy[dyr + c] * xhat;
                if (dBias != null) {
                    dBias[dbOff + c] += dy[dyr + c];
                }
                dx[dxr + c] = (g - meanG - xhat * meanGXhat) * s;
            }
        }
    }
}
