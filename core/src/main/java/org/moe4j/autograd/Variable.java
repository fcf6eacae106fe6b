package org.moe4j.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.moe4j.kernel.Elementwise;
import org.moe4j.tensor.ScratchArrays;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * A tensor in a computation that can be differentiated: its value, its gradient once a backward
 * pass has reached it, and the operation that produced it. Leaves are parameters (requiring a
 * gradient) or constants; every other variable is the output of a recorded operation.
 *
 * <p>The tape is the graph of {@link Node}s reachable from the loss; {@link #backward()} orders it
 * topologically (outputs before inputs) and runs each node's backward once, after every gradient
 * flowing into its output has been accumulated, then releases the node.
 */
public final class Variable {
    private final Tensor value;
    private final boolean requiresGrad;
    private final String name;
    private Node creator;
    private Tensor grad;
    private boolean gradOwned;
    private boolean retainGrad;
    /** The storage of a gradient {@link #zeroGrad} released, kept for {@link #gradientBuffer}. */
    private Tensor spareGrad;
    /**
     * Per thread, the arrays of intermediate gradients a backward is done with ({@link #backward(Tensor)}),
     * for the next gradients of the same length ({@link #gradientArray}): the [rows, d] gradients of a
     * transformer's activations are new arrays every step otherwise, which the JVM zeroes.
     */
    private static final ThreadLocal<ScratchArrays> GRADIENT_ARRAYS = ThreadLocal.withInitial(ScratchArrays::new);

    private Variable(Tensor value, boolean requiresGrad, String name, Node creator) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.name = name;
        this.creator = creator;
    }

    /** A leaf that collects a gradient (a trainable parameter or an input to differentiate). */
    public static Variable parameter(Tensor value, String name) {
        return new Variable(value, true, name, null);
    }

    public static Variable parameter(Tensor value) {
        return parameter(value, null);
    }

    /** A leaf that needs no gradient (data, targets, masks). */
    public static Variable constant(Tensor value) {
        return new Variable(value, false, null, null);
    }

    /**
     * The output of an operation. It is recorded (and so differentiable) only when gradient mode is
     * on and some input requires a gradient; otherwise it is a constant and {@code backward} is dropped.
     */
    public static Variable result(String op, Tensor value, Backward backward, Variable... inputs) {
        if (GradMode.isEnabled()) {
            for (Variable in : inputs) {
                if (in != null && in.requiresGrad) {
                    return new Variable(value, true, null, new Node(op, inputs.clone(), backward));
                }
            }
        }
        return new Variable(value, false, null, null);
    }

    public Tensor value() {
        return value;
    }

    public int[] shape() {
        return value.shape();
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public String name() {
        return name;
    }

    public boolean isLeaf() {
        return creator == null;
    }

    /** The accumulated gradient, or null if no backward pass has reached this variable. */
    public Tensor grad() {
        return grad;
    }

    /** Keeps the gradient of this intermediate result after backward (leaves always keep theirs). */
    public Variable retainGrad() {
        retainGrad = true;
        return this;
    }

    /**
     * Forgets the gradient. A leaf's own gradient storage is kept for {@link #gradientBuffer}, so
     * the next backward writes its gradient into the same array instead of a new one: a training
     * step of the default model allocates (and the JVM zeroes) 42 MB of weight gradients otherwise.
     * Copy a gradient you keep across this call.
     */
    public void zeroGrad() {
        if (gradOwned && creator == null && grad.offset() == 0 && grad.data().length == grad.size()) {
            spareGrad = grad;
        }
        grad = null;
        gradOwned = false;
    }

    /**
     * A tensor of this variable's shape for a backward to write its whole gradient into and pass to
     * {@link #accumulateOwnedGrad}: the storage {@link #zeroGrad} released when it is free, holding
     * the previous step's values (so the caller must overwrite every element), else a new one of
     * zeros. A variable that already has a gradient gets a new one, to be added to it.
     */
    public Tensor gradientBuffer() {
        Tensor spare = spareGrad;
        if (spare != null && grad == null) {
            spareGrad = null;
            return spare;
        }
        return Tensor.zeros(value.shape());
    }

    /**
     * Adds {@code g} to this variable's gradient. An intermediate result adopts its first gradient
     * without a copy and copies before adding a second, so a tensor handed to several inputs is
     * never written through; a leaf always keeps a copy of its own.
     */
    public void accumulateGrad(Tensor g) {
        if (!requiresGrad) {
            return;
        }
        if (!value.sameShape(g)) {
            throw new IllegalStateException("gradient of shape " + Shape.str(g.shape()) + " for a variable of shape "
                    + Shape.str(value.shape()) + (creator != null ? " produced by " + creator.op : "")
                    + (name != null ? " (" + name + ")" : ""));
        }
        if (grad == null) {
            // a leaf's gradient outlives the pass and optimizers write into it, so it gets its own copy
            if (creator == null) {
                grad = gradientBuffer();
                grad.copyFrom(g);
                gradOwned = true;
            } else {
                grad = g;
            }
            return;
        }
        if (!gradOwned) {
            grad = grad.copy();
            gradOwned = true;
        }
        add(g, grad);
    }

    /**
     * Adds {@code g}, a tensor the caller allocated for this variable alone and will not touch
     * again: the first gradient is adopted without a copy even by a leaf (weight gradients are
     * large; copying them costs as much as computing them).
     */
    public void accumulateOwnedGrad(Tensor g) {
        if (requiresGrad && value.sameShape(g) && (grad == null || !gradOwned)) {
            if (grad != null) {
                // the gradient so far is shared with other variables: add it into g (float addition
                // commutes, so the sums are those of copying it and adding g) instead of copying it
                add(grad, g);
            }
            grad = g;
            gradOwned = true;
            return;
        }
        accumulateGrad(g);
    }

    /** dst += src, element by element (same shape). */
    private static void add(Tensor src, Tensor dst) {
        Elementwise.addInto(src.data(), src.offset(), dst.data(), dst.offset(), dst.size());
    }

    /**
     * This variable's gradient when it owns it (no other variable holds that tensor), so a backward
     * may add its contribution into it in place (a product with beta = 1) instead of allocating a
     * tensor for {@link #accumulateOwnedGrad}; null when there is none yet or it is shared.
     */
    public Tensor ownedGrad() {
        return requiresGrad && gradOwned ? grad : null;
    }

    /**
     * This variable's gradient when other variables may hold the same tensor (so nobody may write
     * it): a backward may add it into the tensor it writes and pass that to {@link #takeGradSum};
     * null when there is none yet or this variable owns it.
     */
    public Tensor sharedGrad() {
        return requiresGrad && !gradOwned ? grad : null;
    }

    /**
     * Takes {@code g}, a tensor the caller allocated for this variable alone holding the gradient
     * so far ({@link #sharedGrad}, or nothing) plus the caller's contribution, as the gradient.
     */
    public void takeGradSum(Tensor g) {
        if (!requiresGrad) {
            return;
        }
        if (!value.sameShape(g) || gradOwned) {
            throw new IllegalStateException("takeGradSum: gradient of shape " + Shape.str(g.shape()) + " for a variable of shape "
                    + Shape.str(value.shape()) + (gradOwned ? " that owns its gradient (add into ownedGrad())" : ""));
        }
        grad = g;
        gradOwned = true;
    }

    /** Backpropagates from a scalar: seeds dLoss/dLoss = 1. */
    public void backward() {
        if (value.size() != 1) {
            throw new IllegalStateException("backward() without a seed needs a scalar, got shape "
                    + Shape.str(value.shape()) + ": pass the upstream gradient to backward(Tensor)");
        }
        backward(Tensor.full(1f, value.shape()));
    }

    /** Backpropagates with the given upstream gradient dLoss/dThis. */
    public void backward(Tensor seed) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this variable does not depend on anything that requires a gradient"
                    + " (was it computed under GradMode.noGrad(), or from constants only?)");
        }
        accumulateGrad(seed);
        for (Variable v : topologicalOrder()) {
            Node node = v.creator;
            if (v.grad != null) {
                node.backward.apply(v.grad);
            }
            if (!v.retainGrad) {
                if (v.grad != null && v.gradOwned && whollyUnshared(v.grad, node.inputs)) {
                    GRADIENT_ARRAYS.get().give(v.grad.data());
                }
                v.grad = null;
            }
            node.release();
            v.creator = null;
        }
    }

    /**
     * Whether a gradient its variable owns, after the variable's creator has run its backward, is
     * referenced by nothing else, so that its array may hold another gradient: an owned gradient was
     * allocated for that variable alone (or copied for it), and the one way it can have gone further
     * is the backward handing it on to an input (an addition passes dOut to both, a reshape a view of
     * it), which shows as an input's gradient on the same array. Only a whole array goes back.
     */
    private static boolean whollyUnshared(Tensor g, Variable[] inputs) {
        if (g.offset() != 0 || g.data().length != g.size()) {
            return false;
        }
        for (Variable in : inputs) {
            if (in != null && in.grad != null && in.grad.data() == g.data()) {
                return false;
            }
        }
        return true;
    }

    /**
     * An array of {@code n} floats for a new gradient computed by an operation's backward on this
     * thread: one an earlier backward step was done with ({@link #backward(Tensor)} gives back the
     * owned gradient of an intermediate variable once its creator has used it), or a new one. It holds
     * old values: the caller writes every element before handing it on.
     */
    public static float[] gradientArray(int n) {
        return GRADIENT_ARRAYS.get().take(n);
    }

    /** Non-leaf variables reachable from this one, each after every variable that consumes it. */
    private List<Variable> topologicalOrder() {
        List<Variable> postOrder = new ArrayList<>();
        Set<Variable> visited = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        if (creator != null) {
            stack.push(new Object[] {this, 0});
            visited.add(this);
        }
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Variable v = (Variable) frame[0];
            int next = (Integer) frame[1];
            Variable[] inputs = v.creator.inputs;
            if (next < inputs.length) {
                frame[1] = next + 1;
                Variable in = inputs[next];
                if (in != null && in.creator != null && visited.add(in)) {
                    stack.push(new Object[] {in, 0});
                }
            } else {
                stack.pop();
                postOrder.add(v);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }

    @Override
    public String toString() {
        return "Variable" + (name != null ? "(" + name + ")" : "") + Shape.str(value.shape())
                + (creator != null ? " <- " + creator.op : "");
    }

    /**
     * The record of one operation on the tape: its inputs and its backward. Both are dropped as soon
     * as the backward has run, which releases the activations the backward had saved.
     */
    private static final class Node {
        final String op;
        Variable[] inputs;
        Backward backward;

        Node(String op, Variable[] inputs, Backward backward) {
            this.op = op;
            this.inputs = inputs;
            this.backward = backward;
        }

        void release() {
            inputs = null;
            backward = null;
        }
    }
}
