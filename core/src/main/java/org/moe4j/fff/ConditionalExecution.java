package org.moe4j.fff;

import org.moe4j.kernel.ChainedDot;
import org.moe4j.tensor.Tensor;

/**
 * UltraFastBERT's conditional matrix multiplication for one input (Belcak and Wattenhofer 2023,
 * "Exponentially Faster Language Modelling", algorithm 1): per tree, D + 1 neurons along the path,
 * each a dot product with x and a scaled output column. Holds its own copies of the weights, the
 * output matrix transposed so that a neuron's column is contiguous; it allocates nothing per input,
 * and an instance may serve several threads (it keeps no per-input state).
 */
public final class ConditionalExecution {
    private final UltraFastConfig config;
    // in: (k N, in)   bias: (k N)   outT: (k N, out)
    private final float[] in;
    private final float[] bias;
    private final float[] outT;

    ConditionalExecution(UltraFastConfig config, Tensor inWeight, Tensor inBias, Tensor outWeight) {
        this.config = config;
        this.in = inWeight.toArray();
        this.bias = inBias.toArray();
        int neurons = config.neurons();
        int out = config.outputWidth();
        this.outT = new float[neurons * out];
        float[] w = outWeight.data();
        for (int o = 0; o < out; o++) {
            for (int n = 0; n < neurons; n++) outT[n * out + o] = w[outWeight.offset() + o * neurons + n];
        }
    }

    // x: (in) at xOff   y: (out) at yOff, overwritten
    public void infer(float[] x, int xOff, float[] y, int yOff) {
        int width = config.inputWidth();
        int out = config.outputWidth();
        int perTree = config.nodesPerTree();
        java.util.Arrays.fill(y, yOff, yOff + out, 0f);
        for (int tree = 0; tree < config.trees(); tree++) {
            int node = 0;
            for (int level = 0; level <= config.depth(); level++) {
                int neuron = tree * perTree + node;
                float a = ChainedDot.dot(x, xOff, in, neuron * width, width) + bias[neuron];
                float h = LeafActivation.scalar(config.activation(), a);
                int column = neuron * out;
                for (int o = 0; o < out; o++) y[yOff + o] += h * outT[column + o];
                node = a > 0f ? 2 * node + 2 : 2 * node + 1;
            }
        }
    }
}
