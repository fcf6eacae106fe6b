package org.moe4j.moe;

import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Activations;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.ScratchArrays;

/**
 * Mixtral's experts (MixtralBlockSparseTop2MLP): expert_e(x) = w2_e (silu(w1_e x) * (w3_e x)), no
 * biases, with w1, w3 stacked [E, hidden, d] and w2 [E, d, hidden] under the names
 * {@code w1.weight}, {@code w3.weight}, {@code w2.weight}.
 */
public final class SwiGluExperts extends Module implements Experts {
    private final StackedLinear w1;
    private final StackedLinear w3;
    private final StackedLinear w2;
    private final ScratchArrays scratch = new ScratchArrays();

    public SwiGluExperts(int numExperts, int dModel, int hidden, Rng rng) {
        this(numExperts, dModel, hidden, rng, ExpertSlice.WHOLE);
    }

    /** Only the experts of {@code slice}, with the values the whole layer would give them. */
    public SwiGluExperts(int numExperts, int dModel, int hidden, Rng rng, ExpertSlice slice) {
        this.w1 = addModule("w1", new StackedLinear(numExperts, dModel, hidden, false, rng, slice));
        this.w2 = addModule("w2", new StackedLinear(numExperts, hidden, dModel, false, rng, slice));
        this.w3 = addModule("w3", new StackedLinear(numExperts, dModel, hidden, false, rng, slice));
    }

    public StackedLinear w1() {
        return w1;
    }

    public StackedLinear w2() {
        return w2;
    }

    public StackedLinear w3() {
        return w3;
    }

    @Override
    public int numExperts() {
        return w1.numExperts();
    }

    @Override
    public int firstExpert() {
        return w1.firstExpert();
    }

    @Override
    public int totalExperts() {
        return w1.totalExperts();
    }

    @Override
    public int inputSize() {
        return w1.inFeatures();
    }

    @Override
    public int outputSize() {
        return w2.outFeatures();
    }

    public int hiddenSize() {
        return w1.outFeatures();
    }

    @Override
    public List<Variable> parameters() {
        return List.of(w1.weight(), w3.weight(), w2.weight());
    }

    private record SwiGluPass(float[] gate, float[] up, float[] hidden, float[] output) implements Pass {}

    @Override
    public ScratchArrays scratch() {
        return scratch;
    }

    @Override
    public void release(Pass pass) {
        SwiGluPass s = (SwiGluPass) pass;
        scratch.give(s.gate(), s.up(), s.hidden(), s.output());
    }

    // xs: (P, d)   gate, up, hidden: (P, h)   y: (P, d); every array is written whole before it is read.
    // The backward overwrites gate and up with their gradients: a pass is backpropagated once.
    @Override
    public Pass forward(float[] xs, ExpertGroups groups) {
        int p = groups.rows();
        int h = hiddenSize();
        float[] gate = scratch.take(p * h);
        float[] up = scratch.take(p * h);
        float[] hidden = scratch.take(p * h);
        float[] y = scratch.take(p * outputSize());
        GroupedLinear.forward(w1, groups, xs, gate);
        GroupedLinear.forward(w3, groups, xs, up);
        Activations.swiglu(gate, 0, up, 0, hidden, 0, p * h);
        GroupedLinear.forward(w2, groups, hidden, y);
        return new SwiGluPass(gate, up, hidden, y);
    }

    @Override
    public float[] backward(Pass pass, float[] xs, ExpertGroups groups, float[] dy, boolean needInputGrad) {
        SwiGluPass s = (SwiGluPass) pass;
        int p = groups.rows();
        int h = hiddenSize();
        // the products write dHidden and dx with beta = 0 (dx's second adds); swigluBackward writes
        // dGate over gate and dUp over up, which nothing reads after it: each element is read and
        // written in the same pass, so the two gradients need no arrays (and no memory traffic) of their own
        float[] dHidden = scratch.take(p * h);
        GroupedLinear.backward(w2, groups, s.hidden(), dy, dHidden, 0f);
        float[] dGate = s.gate();
        float[] dUp = s.up();
        Activations.swigluBackward(s.gate(), 0, s.up(), 0, dHidden, 0, dGate, 0, dUp, 0, p * h);
        float[] dx = needInputGrad ? scratch.take(p * inputSize()) : null;
        GroupedLinear.backward(w1, groups, xs, dGate, dx, 0f);
        GroupedLinear.backward(w3, groups, xs, dUp, dx, 1f);
        scratch.give(dHidden);
        return dx;
    }
}
