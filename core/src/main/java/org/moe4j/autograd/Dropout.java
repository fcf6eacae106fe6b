package org.moe4j.autograd;

import org.moe4j.kernel.Elementwise;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Inverted dropout (Srivastava et al. 2014): each element is zeroed with probability p and the
 * survivors are scaled by 1 / (1 - p), so evaluation needs no rescaling. The mask comes from the
 * caller's seeded {@link Rng}, so a run is reproducible.
 */
public final class Dropout {
    private Dropout() {}

    public static Variable apply(Variable x, double p, Rng rng) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: probability is " + p + ", must be in [0, 1)");
        }
        if (p == 0) {
            return x;
        }
        Tensor xv = x.value();
        int n = xv.size();
        float keepScale = (float) (1 / (1 - p));
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextDouble() >= p ? keepScale : 0f;
        }
        Tensor y = Tensor.zeros(xv.shape());
        Elementwise.mul(xv.data(), xv.offset(), mask, 0, y.data(), 0, n);
        return Variable.result("dropout", y, dy -> {
            Tensor dx = Tensor.zeros(xv.shape());
            Elementwise.mul(dy.data(), dy.offset(), mask, 0, dx.data(), 0, n);
            x.accumulateGrad(dx);
        }, x);
    }
}
