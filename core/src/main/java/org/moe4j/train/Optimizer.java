package org.moe4j.train;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.moe4j.autograd.Variable;
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
        step++;
        for (ParameterGroup g : groups) {
            double lr = g.learningRate() * lrFactor;
            for (var e : g.parameters().entrySet()) {
                Variable p = e.getValue();
                if (p.grad() != null) update(e.getKey(), p.value(), p.grad(), lr, g.weightDecay());
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
