package org.moe4j.experiment;

import org.moe4j.autograd.Variable;
import org.moe4j.kernel.gemm.Gemm;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The two-layer CNN of chen2022 (one expert, or the single model): 2m filters w_r of length d,
 * each with a bias, slid over the P patches of an example (a 1-D convolution with stride d); the
 * first m filters vote for class 0, the last m for class 1:
 * <pre>
 *   f(x)_c = sum_{r in half c} sum_p sigma(&lt;w_r, x_p&gt; + b_r),   sigma(z) = z^3 (non-linear) or z (linear)
 * </pre>
 * Backward, with z_{p,r} = &lt;w_r, x_p&gt; + b_r:
 * <pre>
 *   dz_{p,r} = df_{c(r)} * sigma'(z_{p,r})     dW = dZ^T X     db_r = sum_p dz_{p,r}
 * </pre>
 * Initialised as PyTorch's Conv1d (weights and biases uniform in +-1/sqrt(d)), times {@code initScale}
 * (the authors start the MoE experts at 0.001 of that).
 */
final class PatchFilterNetwork {
    static final int CLASSES = 2;

    private final int filters;
    private final int patchLength;
    private final boolean cubic;
    private final Variable weight;
    private final Variable bias;

    PatchFilterNetwork(int filtersPerClass, int patchLength, boolean cubic, double initScale, Rng rng) {
        if (filtersPerClass < 1) {
            throw new IllegalArgumentException("patch filters: " + filtersPerClass + " filters per class, must be >= 1");
        }
        this.filters = CLASSES * filtersPerClass;
        this.patchLength = patchLength;
        this.cubic = cubic;
        double bound = initScale / Math.sqrt(patchLength);
        this.weight = Variable.parameter(Init.uniform(Tensor.zeros(filters, patchLength), rng, -bound, bound));
        this.bias = Variable.parameter(Init.uniform(Tensor.zeros(filters), rng, -bound, bound));
    }

    Variable weight() {
        return weight;
    }

    Variable bias() {
        return bias;
    }

    boolean cubic() {
        return cubic;
    }

    /** One forward pass: the pre-activations (R * P, 2m) and logits (R, 2) of R examples. */
    record Pass(float[] pre, float[] logits, int examples) {}

    // x: (R, P, d) from offset xOff   logits: (R, 2)
    Pass forward(float[] x, int xOff, int examples, int patches) {
        int rows = examples * patches;
        float[] z = new float[rows * filters];
        float[] logits = new float[examples * CLASSES];
        if (examples == 0) return new Pass(z, logits, 0);
        Tensor w = weight.value();
        Gemm.gemm(false, true, rows, filters, patchLength, 1f, x, xOff, patchLength, w.data(), w.offset(), patchLength,
                0f, z, 0, filters);
        Tensor b = bias.value();
        int half = filters / CLASSES;
        for (int row = 0; row < rows; row++) {
            int n = row / patches;
            for (int r = 0; r < filters; r++) {
                float v = z[row * filters + r] + b.at(r);
                z[row * filters + r] = v;
                logits[n * CLASSES + r / half] += cubic ? v * v * v : v;
            }
        }
        return new Pass(z, logits, examples);
    }

    /** Adds dLoss/dW and dLoss/db to the parameters' gradients. */
    // dLogits: (R, 2)
    void backward(Pass pass, float[] x, int xOff, int patches, float[] dLogits) {
        int rows = pass.examples() * patches;
        if (rows == 0) return;
        int half = filters / CLASSES;
        float[] z = pass.pre();
        float[] dz = new float[rows * filters];
        Tensor db = Tensor.zeros(filters);
        for (int row = 0; row < rows; row++) {
            int n = row / patches;
            for (int r = 0; r < filters; r++) {
                float v = z[row * filters + r];
                float g = dLogits[n * CLASSES + r / half] * (cubic ? 3f * v * v : 1f);
                dz[row * filters + r] = g;
                db.data()[r] += g;
            }
        }
        Tensor dw = Tensor.zeros(filters, patchLength);
        Gemm.gemm(true, false, filters, patchLength, rows, 1f, dz, 0, filters, x, xOff, patchLength, 0f, dw.data(), 0,
                patchLength);
        weight.accumulateGrad(dw);
        bias.accumulateGrad(db);
    }

    /** The scalar reference of {@link #forward}: logits of one example, in double. */
    double[] logitsReference(float[] x, int example, int patches) {
        int half = filters / CLASSES;
        double[] out = new double[CLASSES];
        for (int p = 0; p < patches; p++) {
            int base = (example * patches + p) * patchLength;
            for (int r = 0; r < filters; r++) {
                double v = bias.value().at(r);
                for (int j = 0; j < patchLength; j++) v += (double) weight.value().at(r * patchLength + j) * x[base + j];
                out[r / half] += cubic ? v * v * v : v;
            }
        }
        return out;
    }
}
