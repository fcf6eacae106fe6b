package org.moe4j.fff;

import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.GradMode;
import org.moe4j.autograd.MatMul;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Module;
import org.moe4j.nn.ParameterKind;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * A fast feedforward layer (Belcak and Wattenhofer 2023; docs/routing.md, FFF section): a balanced
 * binary tree of depth D whose 2^D - 1 node neurons decide left or right, over 2^D leaf MLPs of
 * width l. Parameters, named as the conformance case names them:
 * <pre>
 *   node.weight        (2^D - 1, in)    node.bias         (2^D - 1)
 *   leaves.w1.weight   (2^D, l, in)     leaves.w1.bias    (2^D, l)
 *   leaves.w2.weight   (2^D, out, l)    leaves.w2.bias    (2^D, out)
 * </pre>
 * Training ({@link #isTraining()}) runs the soft tree: every leaf weighted by its path probability,
 * cost O(2^D l) per input. Evaluation runs the hard tree: D node dot products and one leaf, cost
 * O(D + l); the leaf output bias is included unless the config says otherwise, so both agree once
 * every decision is saturated. Inputs may have any leading dimensions; the last one is in.
 */
public final class FastFeedForward extends FeedForwardBlock {
    private final FastFeedForwardConfig config;
    private final Variable nodeWeight;
    private final Variable nodeBias;
    private final Variable w1;
    private final Variable b1;
    private final Variable w2;
    private final Variable b2;
    private final Rng transpositionRng;
    private final Rng dropoutRng;
    private final UsageStatistics usage;
    private Variable lastEntropies;

    /**
     * Initialised as the reference code does: node and first-layer weights and biases
     * U(-1/sqrt(in), 1/sqrt(in)), second-layer weights and biases U(-1/sqrt(l), 1/sqrt(l)).
     */
    public FastFeedForward(FastFeedForwardConfig config) {
        this.config = config;
        int in = config.inputWidth();
        int l = config.leafWidth();
        int out = config.outputWidth();
        int leaves = config.leaves();
        int nodes = config.nodes();
        Rng rng = new Rng(config.seed());
        double first = 1 / Math.sqrt(in);
        double second = 1 / Math.sqrt(l);
        ParameterSet node = addModule("node", new ParameterSet());
        nodeWeight = node.add("weight", Init.uniform(Tensor.zeros(nodes, in), rng, -first, first), ParameterKind.ROUTER);
        nodeBias = node.add("bias", Init.uniform(Tensor.zeros(nodes), rng, -first, first), ParameterKind.BIAS);
        ParameterSet leafSet = addModule("leaves", new ParameterSet());
        ParameterSet layer1 = leafSet.addChild("w1");
        ParameterSet layer2 = leafSet.addChild("w2");
        w1 = layer1.add("weight", Init.uniform(Tensor.zeros(leaves, l, in), rng, -first, first), ParameterKind.WEIGHT);
        b1 = layer1.add("bias", Init.uniform(Tensor.zeros(leaves, l), rng, -first, first), ParameterKind.BIAS);
        w2 = layer2.add("weight", Init.uniform(Tensor.zeros(leaves, out, l), rng, -second, second), ParameterKind.WEIGHT);
        b2 = layer2.add("bias", Init.uniform(Tensor.zeros(leaves, out), rng, -second, second), ParameterKind.BIAS);
        this.transpositionRng = rng.fork();
        this.dropoutRng = rng.fork();
        this.usage = new UsageStatistics(config.depth());
    }

    /** What the soft training forward computes besides the output. */
    public record SoftOutput(Variable output, Variable entropies, Variable mixture, Variable nodeLogits) {}

    // x: (..., in)   y: (..., out)
    /** Soft tree while training, hard tree otherwise. */
    public Variable forward(Variable x) {
        return isTraining() ? soft(x).output() : hard(x);
    }

    /**
     * As a transformer's feed-forward block: soft while training, with the hardening loss added to
     * {@code aux} as a term named "fff_hardening" (coefficient 1: the weight is already in it);
     * hard at inference.
     */
    @Override
    public Variable forward(Variable x, AuxiliaryLosses aux) {
        if (!isTraining()) return hard(x);
        SoftOutput out = soft(x);
        if (config.depth() > 0 && config.hardeningWeight() > 0) {
            aux.add("fff_hardening", 1f, hardeningLoss(out.entropies(), config.hardeningWeight()));
        }
        return out.output();
    }

    // x: (..., in)   output: (..., out)   entropies: (N)   mixture: (T, L)   nodeLogits: (T, N)
    /**
     * The training forward: node logits x W_node^T + b_node (one GEMM for all nodes), the leaf mixture
     * level by level ({@link SoftRouting}; rounded when the config trains hard, transposed per sample
     * and node with the configured probability), and all leaves mixed ({@link SoftLeaves}). Dropout
     * applies to the leaves' hidden activations while training. The entropies are kept for
     * {@link #hardeningLoss()}.
     */
    public SoftOutput soft(Variable x) {
        Variable flat = flatten(x);
        int tokens = flat.value().rows();
        int depth = config.depth();
        Variable logits;
        Variable mixture;
        Variable entropies;
        if (depth == 0) {
            logits = Variable.constant(Tensor.zeros(tokens, 0));
            mixture = Variable.constant(Tensor.full(1f, tokens, 1));
            entropies = Variable.constant(Tensor.zeros(0));
        } else {
            logits = MatMul.linear(flat, nodeWeight, nodeBias);
            boolean[] transposed = isTraining() && config.transpositionProbability() > 0
                    ? transpositions(tokens * config.nodes()) : null;
            mixture = SoftRouting.mixture(logits, depth, isTraining() && config.hardTraining(), transposed);
            entropies = NodeEntropy.entropies(logits);
        }
        double dropout = isTraining() ? config.dropout() : 0;
        Variable y = SoftLeaves.forward(flat, w1, b1, w2, b2, mixture, config.activation(), dropout, dropoutRng);
        usage.addSoft(mixture.value().data(), mixture.value().offset(), tokens);
        lastEntropies = entropies;
        return new SoftOutput(unflatten(y, x), entropies, mixture, logits);
    }

    /**
     * The hardening loss of the last soft forward: h * sum over nodes of the batch-mean node
     * entropy (the paper sums over nodes; h is {@link FastFeedForwardConfig#hardeningWeight()}).
     */
    public Variable hardeningLoss() {
        if (lastEntropies == null) {
            throw new IllegalStateException("hardeningLoss: no soft forward has run yet");
        }
        return hardeningLoss(lastEntropies, config.hardeningWeight());
    }

    /** weight * sum(entropies), a scalar. */
    public static Variable hardeningLoss(Variable entropies, double weight) {
        return Arithmetic.scale(Arithmetic.sum(entropies), (float) weight);
    }

    // x: (..., in)   y: (..., out)
    /**
     * The inference forward with hard decisions: each input's leaf from D dot products
     * ({@link HardRouting}), then the inputs grouped by leaf and each group one small GEMM
     * ({@link HardLeaves}). Differentiable in x and the leaf weights (the node weights get none).
     */
    public Variable hard(Variable x) {
        Variable flat = flatten(x);
        int[] leaf = leafIndex(flat.value());
        LeafGroups counts = LeafGroups.of(leaf, config.leaves());
        usage.countHard(counts.counts());
        Variable y = HardLeaves.forward(flat, leaf, w1, b1, w2, b2, config.activation(), config.hardOutputBias());
        return unflatten(y, x);
    }

    // x: (T, in)   leaf: (T)
    /** The leaf every row of x reaches with hard decisions. */
    public int[] leafIndex(Tensor x) {
        Tensor nw = nodeWeight.value();
        Tensor nb = nodeBias.value();
        return HardRouting.leaves(x.data(), x.offset(), x.rows(), nw.data(), nw.offset(), nb.data(), nb.offset(),
                config.inputWidth(), config.depth());
    }

    /** Hard inference without gradients: {@code forward} in eval mode under no-grad. */
    public Tensor infer(Tensor x) {
        try (GradMode.Scope scope = GradMode.noGrad()) {
            return hard(Variable.constant(x)).value();
        }
    }

    /** An allocation-free single-input hard inference for this layer, for one thread. */
    public SingleTokenInference singleToken() {
        return new SingleTokenInference(this);
    }

    private boolean[] transpositions(int n) {
        boolean[] flags = new boolean[n];
        double p = config.transpositionProbability();
        for (int i = 0; i < n; i++) flags[i] = transpositionRng.nextDouble() < p;
        return flags;
    }

    private Variable flatten(Variable x) {
        int[] shape = x.shape();
        if (shape.length < 1 || shape[shape.length - 1] != config.inputWidth()) {
            throw new IllegalArgumentException("FastFeedForward: input shape " + Shape.str(shape) + " must end in the input width "
                    + config.inputWidth());
        }
        int tokens = x.value().size() / config.inputWidth();
        return shape.length == 2 ? x : Arithmetic.reshape(x, tokens, config.inputWidth());
    }

    private Variable unflatten(Variable y, Variable x) {
        int[] shape = x.shape();
        if (shape.length == 2) return y;
        shape[shape.length - 1] = config.outputWidth();
        return Arithmetic.reshape(y, shape);
    }

    public FastFeedForwardConfig config() {
        return config;
    }

    public UsageStatistics usage() {
        return usage;
    }

    public Variable nodeWeight() {
        return nodeWeight;
    }

    public Variable nodeBias() {
        return nodeBias;
    }

    public Variable w1() {
        return w1;
    }

    public Variable b1() {
        return b1;
    }

    public Variable w2() {
        return w2;
    }

    public Variable b2() {
        return b2;
    }

    /** A plain holder of named parameters, so the layer's names read node.weight, leaves.w1.weight, ... */
    private static final class ParameterSet extends Module {
        Variable add(String name, Tensor value, ParameterKind kind) {
            return addParameter(name, value, kind);
        }

        ParameterSet addChild(String name) {
            return addModule(name, new ParameterSet());
        }
    }
}
