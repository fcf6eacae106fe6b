package org.moe4j.moe.router;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * l = W_g (x * jitter) + b_g: the router's linear map (the bias optional), with Switch Transformers' optional multiplicative
 * jitter x * U(1 - eps, 1 + eps) on the router input while training (docs/routing.md), and a check that
 * every logit is finite, since one NaN logit silently sends a token nowhere.
 */
final class RouterLogits {
    private RouterLogits() {}

    // x: (T, d)   weight: (E, d)   l: (T, E)
    static Variable compute(Variable x, Variable weight, float jitter, boolean training, Rng rng) {
        return compute(x, weight, null, jitter, training, rng);
    }

    // x: (T, d)   weight: (E, d)   bias: (E) or null   l: (T, E)
    static Variable compute(Variable x, Variable weight, Variable bias, float jitter, boolean training, Rng rng) {
        Variable input = x;
        if (training && jitter > 0f) {
            Tensor factors = Tensor.zeros(x.shape());
            float[] f = factors.data();
            for (int i = 0; i < f.length; i++) f[i] = (float) (1.0 - jitter + 2.0 * jitter * rng.nextDouble());
            input = Arithmetic.mul(x, Variable.constant(factors));
        }
        Variable logits = MatMul.linear(input, weight, bias);
        requireFinite("router", logits.value());
        return logits;
    }

    static void requireFinite(String what, Tensor logits) {
        int cols = logits.dim(1);
        float[] d = logits.data();
        for (int i = 0, n = logits.size(); i < n; i++) {
            float v = d[logits.offset() + i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(what + " logits: token " + (i / cols) + ", expert " + (i % cols)
                        + " has logit " + v + "; logits must be finite (check the input and the router weights for NaN"
                        + " or overflow)");
            }
        }
    }

    static void requireJitter(float jitter) {
        if (!(jitter >= 0f && jitter < 1f)) {
            throw new IllegalArgumentException("router jitter " + jitter + " must be in [0, 1) (0 = off; Switch uses 0.01)");
        }
    }
}
