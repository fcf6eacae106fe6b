package org.moe4j.fff;

import org.moe4j.autograd.Activation;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.ActivationsReference;
import org.moe4j.kernel.Gelu;
import org.moe4j.kernel.GeluApproximation;

/**
 * The leaves' hidden activation on raw arrays, forward beside backward, dispatching to the kernels
 * of {@link Activations} and {@link Gelu}: the leaf operations fuse it between their GEMMs instead
 * of recording a separate autograd node.
 */
final class LeafActivation {
    private LeafActivation() {}

    // pre, post: (n)
    static void forward(Activation.Kind kind, float[] pre, int preOff, float[] post, int postOff, int n) {
        switch (kind) {
            case RELU -> Activations.relu(pre, preOff, post, postOff, n);
            case GELU -> Gelu.forward(pre, preOff, post, postOff, n, GeluApproximation.NONE);
            case GELU_TANH -> Gelu.forward(pre, preOff, post, postOff, n, GeluApproximation.TANH);
            case SILU -> Activations.silu(pre, preOff, post, postOff, n);
            case SIGMOID -> Activations.sigmoid(pre, preOff, post, postOff, n);
            case SOFTPLUS -> Activations.softplus(pre, preOff, post, postOff, n);
        }
    }

    // pre, post, dPost, dPre: (n); dPre may be the same region as dPost
    /** dPre = dPost * f'(pre); each kernel reads whichever of pre and post its formula needs. */
    static void backward(Activation.Kind kind, float[] pre, int preOff, float[] post, int postOff,
                         float[] dPost, int dPostOff, float[] dPre, int dPreOff, int n) {
        switch (kind) {
            case RELU -> Activations.reluBackward(post, postOff, dPost, dPostOff, dPre, dPreOff, n);
            case GELU -> Gelu.backward(pre, preOff, dPost, dPostOff, dPre, dPreOff, n, GeluApproximation.NONE);
            case GELU_TANH -> Gelu.backward(pre, preOff, dPost, dPostOff, dPre, dPreOff, n, GeluApproximation.TANH);
            case SILU -> Activations.siluBackward(pre, preOff, dPost, dPostOff, dPre, dPreOff, n);
            case SIGMOID -> Activations.sigmoidBackward(post, postOff, dPost, dPostOff, dPre, dPreOff, n);
            case SOFTPLUS -> Activations.softplusBackward(pre, preOff, dPost, dPostOff, dPre, dPreOff, n);
        }
    }

    /**
     * One value in double precision, for the single-input path: its l values are too few for the
     * vector kernels to pay, and these scalar definitions allocate nothing.
     */
    static float scalar(Activation.Kind kind, float v) {
        return (float) switch (kind) {
            case RELU -> ActivationsReference.relu(v);
            case GELU -> ActivationsReference.gelu(v);
            case GELU_TANH -> ActivationsReference.geluTanh(v);
            case SILU -> ActivationsReference.silu(v);
            case SIGMOID -> ActivationsReference.sigmoid(v);
            case SOFTPLUS -> ActivationsReference.softplus(v);
        };
    }
}
