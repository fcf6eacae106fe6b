package org.moe4j.moe;

import java.util.ArrayList;
import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Activations;
import org.moe4j.kernel.Gelu;
import org.moe4j.kernel.GeluApproximation;
import org.moe4j.kernel.Softmax;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;

/**
 * Two-layer experts: expert_e(x) = fc2_e(act(fc1_e x + b1_e)) + b2_e, with act ReLU or GELU, biases
 * optional, fc1 stacked [E, hidden, in] and fc2 [E, out, hidden]. With {@code outputSoftmax} the
 * expert ends in a softmax over its outputs, as the MLP of davidmrau/mixture-of-experts does.
 * {@code firstName}/{@code secondName} name the two maps (fc1/fc2, or wi/wo for Switch Transformers).
 */
public final class MlpExperts extends Module implements Experts {
    /** The hidden activation. */
    public enum Act { RELU, GELU, GELU_TANH }

    private final StackedLinear first;
    private final StackedLinear second;
    private final Act act;
    private final boolean outputSoftmax;

    public MlpExperts(int numExperts, int inputSize, int hidden, int outputSize, Act act, boolean bias,
                      boolean outputSoftmax, String firstName, String secondName, Rng rng) {
        this.first = addModule(firstName, new StackedLinear(numExperts, inputSize, hidden, bias, rng));
        this.second = addModule(secondName, new StackedLinear(numExperts, hidden, outputSize, bias, rng));
        this.act = act;
        this.outputSoftmax = outputSoftmax;
    }

    public StackedLinear first() {
        return first;
    }

    public StackedLinear second() {
        return second;
    }

    @Override
    public int numExperts() {
        return first.numExperts();
    }

    @Override
    public int inputSize() {
        return first.inFeatures();
    }

    @Override
    public int outputSize() {
        return second.outFeatures();
    }

    @Override
    public List<Variable> parameters() {
        List<Variable> out = new ArrayList<>();
        for (StackedLinear m : List.of(first, second)) {
            out.add(m.weight());
            if (m.bias() != null) out.add(m.bias());
        }
        return out;
    }

    private record MlpPass(float[] pre, float[] hidden, float[] output) implements Pass {}

    // xs: (P, in)   pre, hidden: (P, h)   y: (P, out)
    @Override
    public Pass forward(float[] xs, ExpertGroups groups) {
        int p = groups.rows();
        int h = first.outFeatures();
        float[] pre = new float[p * h];
        float[] hidden = new float[p * h];
        float[] y = new float[p * outputSize()];
        GroupedLinear.forward(first, groups, xs, pre);
        switch (act) {
            case RELU -> Activations.relu(pre, 0, hidden, 0, p * h);
            case GELU -> Gelu.forward(pre, 0, hidden, 0, p * h, GeluApproximation.NONE);
            case GELU_TANH -> Gelu.forward(pre, 0, hidden, 0, p * h, GeluApproximation.TANH);
        }
        GroupedLinear.forward(second, groups, hidden, y);
        if (outputSoftmax && p > 0) {
            Softmax.softmax(y, 0, p, outputSize(), y, 0);
        }
        return new MlpPass(pre, hidden, y);
    }

    @Override
    public float[] backward(Pass pass, float[] xs, ExpertGroups groups, float[] dy, boolean needInputGrad) {
        MlpPass s = (MlpPass) pass;
        int p = groups.rows();
        int h = first.outFeatures();
        float[] dz = dy;
        if (outputSoftmax && p > 0) {
            dz = new float[dy.length];
            Softmax.softmaxBackward(s.output(), 0, dy, 0, p, outputSize(), dz, 0);
        }
        float[] dHidden = new float[p * h];
        GroupedLinear.backward(second, groups, s.hidden(), dz, dHidden, 0f);
        float[] dPre = new float[p * h];
        switch (act) {
            case RELU -> Activations.reluBackward(s.hidden(), 0, dHidden, 0, dPre, 0, p * h);
            case GELU -> Gelu.backward(s.pre(), 0, dHidden, 0, dPre, 0, p * h, GeluApproximation.NONE);
            case GELU_TANH -> Gelu.backward(s.pre(), 0, dHidden, 0, dPre, 0, p * h, GeluApproximation.TANH);
        }
        float[] dx = needInputGrad ? new float[p * inputSize()] : null;
        GroupedLinear.backward(first, groups, xs, dPre, dx, 0f);
        return dx;
    }
}
