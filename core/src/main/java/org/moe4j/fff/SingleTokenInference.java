package org.moe4j.fff;

import org.moe4j.autograd.Activation;
import org.moe4j.kernel.ChainedDot;
import org.moe4j.tensor.Tensor;

/**
 * Hard inference of one input at a time without allocating: D node dot products, then the one
 * leaf reached: l dot products of length in, the activation on l values (scalar) and out dot
 * products of length l. Its scratch buffer is allocated once here, so one instance serves one thread.
 */
public final class SingleTokenInference {
    private final FastFeedForward layer;
    // hidden: (l) activations of the leaf reached
    private final float[] hidden;

    SingleTokenInference(FastFeedForward layer) {
        this.layer = layer;
        this.hidden = new float[layer.config().leafWidth()];
    }

    // x: (in) at xOff   y: (out) at yOff
    /** Writes the hard output for x into y and returns the leaf reached. */
    public int infer(float[] x, int xOff, float[] y, int yOff) {
        FastFeedForwardConfig c = layer.config();
        int in = c.inputWidth();
        int l = c.leafWidth();
        int out = c.outputWidth();
        Tensor nodeW = layer.nodeWeight().value();
        Tensor nodeB = layer.nodeBias().value();
        Tensor w1 = layer.w1().value();
        Tensor b1 = layer.b1().value();
        Tensor w2 = layer.w2().value();
        Tensor b2 = layer.b2().value();
        int leaf = HardRouting.leaf(x, xOff, nodeW.data(), nodeW.offset(), nodeB.data(), nodeB.offset(), in, c.depth());
        float[] w1d = w1.data();
        int w1Row = w1.offset() + leaf * l * in;
        Activation.Kind kind = c.activation();
        for (int i = 0; i < l; i++) {
            float pre = ChainedDot.dot(w1d, w1Row + i * in, x, xOff, in) + b1.data()[b1.offset() + leaf * l + i];
            hidden[i] = LeafActivation.scalar(kind, pre);
        }
        float[] w2d = w2.data();
        int w2Row = w2.offset() + leaf * out * l;
        boolean bias = c.hardOutputBias();
        for (int o = 0; o < out; o++) {
            float sum = bias ? b2.data()[b2.offset() + leaf * out + o] : 0f;
            for (int i = 0; i < l; i++) {
                sum += w2d[w2Row + o * l + i] * hidden[i];
            }
            y[yOff + o] = sum;
        }
        layer.usage().countHard(leaf);
        return leaf;
    }
}
