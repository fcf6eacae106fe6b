package org.moe4j.train;

import java.util.Collection;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Elementwise;
import org.moe4j.kernel.Reductions;
import org.moe4j.tensor.Tensor;

/** Clipping of gradients by their global L2 norm, as torch.nn.utils.clip_grad_norm_. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Scales every gradient by min(1, maxNorm / (norm + 1e-6)), where norm is the L2 norm of all
     * gradients together (accumulated in double). Returns that norm, which is NaN or infinite when
     * a gradient is; gradients are then left untouched so the caller can stop cleanly.
     */
    public static double clipByGlobalNorm(Collection<Variable> parameters, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clipByGlobalNorm: maxNorm is " + maxNorm + ", must be > 0");
        }
        double norm = globalNorm(parameters);
        scaleToNorm(parameters, norm, maxNorm);
        return norm;
    }

    /**
     * Scales every gradient by min(1, maxNorm / (norm + 1e-6)) for a norm found elsewhere (over
     * ranks); a NaN or infinite norm leaves them untouched.
     */
    public static void scaleToNorm(Collection<Variable> parameters, double norm, double maxNorm) {
        float s = scaleFor(norm, maxNorm);
        if (s != 1f) {
            for (Variable p : parameters) {
                Tensor g = p.grad();
                if (g == null) continue;
                Elementwise.scale(s, g.data(), g.offset(), g.data(), g.offset(), g.size());
            }
        }
    }

    /**
     * The factor clipping multiplies every gradient by: min(1, maxNorm / (norm + 1e-6)) in float, and
     * 1 for a NaN or infinite norm (the gradients are left as they are). {@link Trainer} hands it to
     * {@link Optimizer#step(double, float)} instead of scaling the gradients in a pass of their own.
     */
    public static float scaleFor(double norm, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("scaleFor: maxNorm is " + maxNorm + ", must be > 0");
        }
        if (!Double.isFinite(norm)) {
            return 1f;
        }
        double scale = maxNorm / (norm + 1e-6);
        return scale < 1 ? (float) scale : 1f;
    }

    /** The L2 norm of all gradients together, accumulated in double per block of 65,536 (parameters without a gradient count 0). */
    public static double globalNorm(Collection<Variable> parameters) {
        double sumSquares = 0;
        for (Variable p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            sumSquares += Reductions.sumOfSquares(g.data(), g.offset(), g.size());
        }
        return Math.sqrt(sumSquares);
    }
}
