package org.moe4j.fff;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradMode;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.KernelPool;
import org.moe4j.nn.Linear;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * UltraFastBERT's fast feedforward layer (Belcak and Wattenhofer 2023, "Exponentially Faster
 * Language Modelling", eq. 1 and algorithm 1; docs/routing.md, FFF section): k trees of single neurons.
 * Neuron n of tree j has an input row linear_in.weight[j N + n] with bias and an output column
 * linear_out.weight[:, j N + n] (N = 2^(D+1) - 1, heap order). For an input x, each tree walks from
 * its root: at node n, a = x . w_n + b_n; the output gains act(a) times the output column; the walk
 * goes right (2n + 2) iff a > 0, else left (2n + 1), D times. So D + 1 neurons per tree contribute.
 *
 * <p>Training computes all neurons with one GEMM and masks the activations to the path (the
 * reference code's way: gradients reach only the neurons on each input's path); inference runs
 * the conditional matrix multiplication, D + 1 dot products and output columns per tree.
 */
public final class UltraFastFeedForward extends Module {
    private final UltraFastConfig config;
    private final Linear linearIn;
    private final Linear linearOut;

    /** Inputs weights and biases U(-1/sqrt(in), 1/sqrt(in)); output weights U(-1/sqrt(k (D+1)), +). */
    public UltraFastFeedForward(UltraFastConfig config) {
        this.config = config;
        Rng rng = new Rng(config.seed());
        this.linearIn = addModule("linear_in", new Linear(config.inputWidth(), config.neurons(), true, rng));
        this.linearOut = addModule("linear_out", new Linear(config.neurons(), config.outputWidth(), false, rng));
        double first = 1 / Math.sqrt(config.inputWidth());
        Init.uniform(linearIn.weight().value(), rng, -first, first);
        Init.uniform(linearIn.bias().value(), rng, -first, first);
        double second = 1 / Math.sqrt((double) config.trees() * (config.depth() + 1));
        Init.uniform(linearOut.weight().value(), rng, -second, second);
    }

    // x: (..., in)   y: (..., out)
    /** Masked dense forward while training (differentiable), conditional execution otherwise. */
    public Variable forward(Variable x) {
        if (!isTraining()) {
            return Variable.constant(infer(x.value()));
        }
        int[] shape = x.shape();
        requireInput(shape);
        int tokens = x.value().size() / config.inputWidth();
        Variable flat = shape.length == 2 ? x : Arithmetic.reshape(x, tokens, config.inputWidth());
        // logits: (T, k N)   mask: (T, k N), 1 on every neuron of each tree's path
        Variable logits = linearIn.forward(flat);
        Tensor mask = pathMask(logits.value(), tokens);
        Variable active = Arithmetic.mul(config.activation().apply(logits), Variable.constant(mask));
        Variable y = MatMul.linear(active, linearOut.weight(), null);
        if (shape.length == 2) return y;
        int[] outShape = shape.clone();
        outShape[outShape.length - 1] = config.outputWidth();
        return Arithmetic.reshape(y, outShape);
    }

    // logits: (T, k N)   mask: (T, k N)
    private Tensor pathMask(Tensor logits, int tokens) {
        int perTree = config.nodesPerTree();
        int width = config.neurons();
        Tensor mask = Tensor.zeros(tokens, width);
        float[] l = logits.data();
        float[] m = mask.data();
        for (int t = 0; t < tokens; t++) {
            for (int tree = 0; tree < config.trees(); tree++) {
                int base = t * width + tree * perTree;
                int node = 0;
                for (int level = 0; level <= config.depth(); level++) {
                    m[base + node] = 1f;
                    node = l[logits.offset() + base + node] > 0f ? 2 * node + 2 : 2 * node + 1;
                }
            }
        }
        return mask;
    }

    // x: (..., in)   y: (..., out)
    /**
     * Conditional matrix multiplication on a snapshot of the weights: per input and tree, D + 1
     * dot products of length in and D + 1 output columns (read from a transposed copy, so each is
     * contiguous). Inputs are spread over the kernel threads.
     */
    public Tensor infer(Tensor x) {
        requireInput(x.shape());
        int in = config.inputWidth();
        int out = config.outputWidth();
        int tokens = x.size() / in;
        int[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = out;
        Tensor y = Tensor.zeros(outShape);
        ConditionalExecution cmm = conditionalExecution();
        KernelPool.parallelFor(tokens, t -> cmm.infer(x.data(), x.offset() + t * in, y.data(), t * out));
        return y;
    }

    /** A snapshot of the weights laid out for conditional execution, for one input at a time. */
    public ConditionalExecution conditionalExecution() {
        try (GradMode.Scope scope = GradMode.noGrad()) {
            return new ConditionalExecution(config, linearIn.weight().value(), linearIn.bias().value(),
                    linearOut.weight().value());
        }
    }

    private void requireInput(int[] shape) {
        if (shape.length < 1 || shape[shape.length - 1] != config.inputWidth()) {
            throw new IllegalArgumentException("UltraFastFeedForward: input shape " + Shape.str(shape)
                    + " must end in the input width " + config.inputWidth());
        }
    }

    public UltraFastConfig config() {
        return config;
    }

    public Linear linearIn() {
        return linearIn;
    }

    public Linear linearOut() {
        return linearOut;
    }
}
