package org.moe4j.fff;

import org.moe4j.autograd.Activation;

/**
 * The shape and training behaviour of a {@link FastFeedForward} layer (Belcak and Wattenhofer 2023,
 * "Fast Feedforward Networks"; docs/routing.md, FFF section).
 *
 * @param inputWidth               width of x, >= 1
 * @param leafWidth                hidden width l of every leaf MLP, >= 1
 * @param outputWidth              width of the output, >= 1
 * @param depth                    tree depth D >= 0: 2^D - 1 node neurons, 2^D leaves; D = 0 is one plain MLP
 * @param activation               the leaves' hidden activation
 * @param dropout                  dropout on the leaves' hidden activations while training, in [0, 1)
 * @param hardeningWeight          h >= 0 of the hardening loss h * sum over nodes of the batch-mean node entropy
 * @param transpositionProbability probability in [0, 1] that a training sample swaps c and 1 - c at a node
 *                                 (randomised child transposition against overfragmentation)
 * @param hardTraining             whether the training forward rounds every node decision to 0 or 1
 * @param hardOutputBias           whether hard inference adds the leaf output bias (true: soft and hard agree
 *                                 once decisions saturate; false reproduces the reference code's eval_forward)
 * @param seed                     seed of the initial weights, the transpositions and the dropout masks
 */
public record FastFeedForwardConfig(int inputWidth, int leafWidth, int outputWidth, int depth,
                                    Activation.Kind activation, double dropout, double hardeningWeight,
                                    double transpositionProbability, boolean hardTraining, boolean hardOutputBias,
                                    long seed) {
    /** Largest depth whose leaf count 2^D fits an int; {@link TreeMemory} rejects far smaller trees first. */
    public static final int MAX_DEPTH = 30;

    public FastFeedForwardConfig {
        require("inputWidth", inputWidth, inputWidth >= 1, ">= 1");
        require("leafWidth", leafWidth, leafWidth >= 1, ">= 1");
        require("outputWidth", outputWidth, outputWidth >= 1, ">= 1");
        require("depth", depth, depth >= 0, ">= 0");
        if (activation == null) {
            throw new IllegalArgumentException("FastFeedForwardConfig: activation is null, must be one of "
                    + java.util.Arrays.toString(Activation.Kind.values()));
        }
        require("dropout", dropout, dropout >= 0 && dropout < 1, "in [0, 1)");
        require("hardeningWeight", hardeningWeight, hardeningWeight >= 0 && Double.isFinite(hardeningWeight),
                "finite and >= 0");
        require("transpositionProbability", transpositionProbability,
                transpositionProbability >= 0 && transpositionProbability <= 1, "in [0, 1]");
        TreeMemory.requireFits(inputWidth, leafWidth, outputWidth, depth);
    }

    /** A ReLU tree with no dropout, hardening weight 0.1 (the reference code's), no transposition, seed 0. */
    public static FastFeedForwardConfig of(int inputWidth, int leafWidth, int outputWidth, int depth) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, Activation.Kind.RELU, 0, 0.1, 0,
                false, true, 0);
    }

    public FastFeedForwardConfig withActivation(Activation.Kind kind) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, kind, dropout, hardeningWeight,
                transpositionProbability, hardTraining, hardOutputBias, seed);
    }

    public FastFeedForwardConfig withDropout(double p) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, p, hardeningWeight,
                transpositionProbability, hardTraining, hardOutputBias, seed);
    }

    public FastFeedForwardConfig withHardeningWeight(double h) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, dropout, h,
                transpositionProbability, hardTraining, hardOutputBias, seed);
    }

    public FastFeedForwardConfig withTranspositionProbability(double p) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, dropout,
                hardeningWeight, p, hardTraining, hardOutputBias, seed);
    }

    public FastFeedForwardConfig withHardTraining(boolean on) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, dropout,
                hardeningWeight, transpositionProbability, on, hardOutputBias, seed);
    }

    public FastFeedForwardConfig withHardOutputBias(boolean on) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, dropout,
                hardeningWeight, transpositionProbability, hardTraining, on, seed);
    }

    public FastFeedForwardConfig withSeed(long s) {
        return new FastFeedForwardConfig(inputWidth, leafWidth, outputWidth, depth, activation, dropout,
                hardeningWeight, transpositionProbability, hardTraining, hardOutputBias, s);
    }

    /** 2^D. */
    public int leaves() {
        return 1 << depth;
    }

    /** 2^D - 1. */
    public int nodes() {
        return leaves() - 1;
    }

    /** The width of the dense layer this tree replaces in training: 2^D * l. */
    public long trainingWidth() {
        return (long) leaves() * leafWidth;
    }

    private static void require(String field, double value, boolean ok, String range) {
        if (!ok) {
            throw new IllegalArgumentException("FastFeedForwardConfig: " + field + " is "
                    + (value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value) : String.valueOf(value))
                    + ", must be " + range);
        }
    }
}
