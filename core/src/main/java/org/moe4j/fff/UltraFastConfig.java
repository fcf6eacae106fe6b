package org.moe4j.fff;

import java.util.Locale;
import org.moe4j.autograd.Activation;

/**
 * UltraFastBERT's fast feedforward variant (Belcak and Wattenhofer 2023, "Exponentially Faster
 * Language Modelling", section 3; docs/routing.md, FFF section): {@code trees} parallel trees of depth D,
 * each with 2^(D+1) - 1 single-neuron nodes; the D + 1 neurons on an input's root-to-leaf path all
 * contribute to the output.
 *
 * @param inputWidth  width of x, >= 1
 * @param outputWidth width of the output, >= 1
 * @param depth       D >= 0: every path has D + 1 neurons
 * @param trees       k >= 1 parallel trees, whose contributions add up
 * @param activation  the neurons' activation (GELU in UltraFastBERT)
 * @param seed        seed of the initial weights
 */
public record UltraFastConfig(int inputWidth, int outputWidth, int depth, int trees, Activation.Kind activation,
                              long seed) {
    public UltraFastConfig {
        require("inputWidth", inputWidth, inputWidth >= 1, ">= 1");
        require("outputWidth", outputWidth, outputWidth >= 1, ">= 1");
        require("depth", depth, depth >= 0, ">= 0");
        require("trees", trees, trees >= 1, ">= 1");
        if (activation == null) {
            throw new IllegalArgumentException("UltraFastConfig: activation is null");
        }
        double neurons = (double) trees * (Math.pow(2, depth + 1.0) - 1);
        double bytes = 4 * neurons * (inputWidth + 1.0 + outputWidth);
        long available = Runtime.getRuntime().maxMemory();
        if (depth > 29 || neurons * Math.max(inputWidth, outputWidth) > Integer.MAX_VALUE || bytes > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "UltraFastFeedForward: depth %d with %d trees (%.3g neurons) needs %s of parameters but this JVM"
                            + " may use at most %s and one tensor at most 2^31 - 1 elements; lower the depth or the trees",
                    depth, trees, neurons, TreeMemory.human(bytes), TreeMemory.human(available)));
        }
    }

    /** GELU neurons, seed 0. */
    public static UltraFastConfig of(int inputWidth, int outputWidth, int depth, int trees) {
        return new UltraFastConfig(inputWidth, outputWidth, depth, trees, Activation.Kind.GELU, 0);
    }

    public UltraFastConfig withSeed(long s) {
        return new UltraFastConfig(inputWidth, outputWidth, depth, trees, activation, s);
    }

    /** Neurons per tree, 2^(D+1) - 1. */
    public int nodesPerTree() {
        return (1 << (depth + 1)) - 1;
    }

    /** All neurons, k (2^(D+1) - 1): the width of the dense layer the trees replace. */
    public int neurons() {
        return trees * nodesPerTree();
    }

    private static void require(String field, long value, boolean ok, String range) {
        if (!ok) {
            throw new IllegalArgumentException("UltraFastConfig: " + field + " is " + value + ", must be " + range);
        }
    }
}
