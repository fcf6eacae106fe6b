package org.moe4j.train;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.Elementwise;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Updates parameters from their gradients. Subclasses implement the rule for one parameter;
 * this class walks the groups, applies the schedule factor, skips parameters without a gradient,
 * and saves and restores the per-parameter state for checkpoints.
 */
public abstract class Optimizer {
    private final List<ParameterGroup> groups;
    private long step;

    protected Optimizer(List<ParameterGroup> groups) {
        Set<String> seen = new HashSet<>();
        for (ParameterGroup g : groups) {
            for (String name : g.parameters().keySet()) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("parameter '" + name + "' is in more than one parameter group");
                }
            }
        }
        this.groups = List.copyOf(groups);
    }

    public List<ParameterGroup> groups() {
        return groups;
    }

    /** Number of steps taken. */
    public long stepCount() {
        return step;
    }

    /** One update with the learning rates of the groups times {@code lrFactor} (from a schedule). */
    public void step(double lrFactor) {
        step(lrFactor, 1f);
    }

    /**
     * One update as {@link #step(double)} with every gradient taken times {@code gradScale}
     * (gradient clipping's factor, {@link GradientClipping#scaleFor}). An optimizer that folds the
     * factor into its update (Adam) leaves the gradients as they are and saves a pass over them; the
     * others scale them in place first. Either way the update is the same to the bit.
     */
    public void step(double lrFactor, float gradScale) {
        if (!(gradScale >= 0 && gradScale <= 1)) {
            throw new IllegalArgumentException("optimizer step: gradScale is " + gradScale + ", must be in [0, 1]");
        }
        step++;
        for (ParameterGroup g : groups) {
            double lr = g.learningRate() * lrFactor;
            for (var e : g.parameters().entrySet()) {
                Variable p = e.getValue();
                if (p.grad() != null) update(e.getKey(), p.value(), p.grad(), lr, g.weightDecay(), gradScale);
            }
        }
    }

    public void step() {
        step(1.0);
    }

    public void zeroGrad() {
        for (ParameterGroup g : groups) {
            g.parameters().values().forEach(Variable::zeroGrad);
        }
    }

    /** Updates one parameter in place; {@link #stepCount()} is already incremented (1 on the first call). */
    protected abstract void update(String name, Tensor param, Tensor grad, double lr, double weightDecay);

    /** Updates one parameter from {@code grad * gradScale}: scales the gradient in place, then {@link #update}. */
    protected void update(String name, Tensor param, Tensor grad, double lr, double weightDecay, float gradScale) {
        if (gradScale != 1f) {
            Elementwise.scale(gradScale, grad.data(), grad.offset(), grad.data(), grad.offset(), grad.size());
        }
        update(name, param, grad, lr, weightDecay);
    }

    /** Per-parameter buffers, keyed "buffer/parameter name". */
    protected abstract Map<String, Tensor> buffers();

    /** The per-parameter buffers as named tensors (the step count is {@link #stepCount()}). */
    public Map<String, Tensor> stateDict() {
        return new LinkedHashMap<>(buffers());
    }

    /**
     * Restores buffers saved by {@link #stateDict()} and the step count; buffers must match by
     * name and shape.
     */
    public void loadStateDict(Map<String, Tensor> state, long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("optimizer step count is " + stepCount + ", must be >= 0");
        }
        Map<String, Tensor> own = buffers();
        for (var e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine == null) {
                mine = createBuffer(e.getKey(), e.getValue().shape());
            }
            if (!mine.sameShape(e.getValue())) {
                throw new IllegalArgumentException("optimizer state '" + e.getKey() + "' has shape " + Shape.str(e.getValue().shape())
                        + ", this optimizer expects " + Shape.str(mine.shape()));
            }
            mine.copyFrom(e.getValue());
        }
        step = stepCount;
    }

    /** Creates the named buffer while restoring a state; fails for names this optimizer does not use. */
    protected abstract Tensor createBuffer(String key, int[] shape);

    /** The parameter of the given name, or a clear error. */
    protected Variable parameter(String name) {
        for (ParameterGroup g : groups) {
            Variable v = g.parameters().get(name);
            if (v != null) return v;
        }
        throw new IllegalArgumentException("optimizer state names parameter '" + name + "', which is in no parameter group");
    }
}
