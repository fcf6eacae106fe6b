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
        if (!Double.isFinite(norm)) {
            return;
        }
        double scale = maxNorm / (norm + 1e-6);
        if (scale < 1) {
            float s = (float) scale;
            for (Variable p : parameters) {
                Tensor g = p.grad();
                if (g == null) continue;
                Elementwise.scale(s, g.data(), g.offset(), g.data(), g.offset(), g.size());
            }
        }
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
