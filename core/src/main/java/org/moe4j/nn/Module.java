package org.moe4j.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * A layer or a model: named parameters and named sub-modules, in the order they were added.
 * Full parameter names join the path with dots, as Hugging Face names them
 * ({@code model.layers.0.self_attn.q_proj.weight}).
 */
public abstract class Module {
    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, ParameterKind> kinds = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    protected final Variable addParameter(String name, Tensor value, ParameterKind kind) {
        requireFreeName(name);
        Variable v = Variable.parameter(value, name);
        parameters.put(name, v);
        kinds.put(name, kind);
        return v;
    }

    protected final <M extends Module> M addModule(String name, M module) {
        requireFreeName(name);
        children.put(name, module);
        return module;
    }

    private void requireFreeName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module entry name '" + name + "' must be non-empty and contain no '.'");
        }
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("module entry name '" + name + "' is already used in " + getClass().getSimpleName());
        }
    }

    /** Every parameter under its full dotted name, depth first in insertion order. */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collect("", out, null);
        return Collections.unmodifiableMap(out);
    }

    /** The kind of every parameter, under the same names as {@link #namedParameters()}. */
    public final Map<String, ParameterKind> parameterKinds() {
        Map<String, ParameterKind> out = new LinkedHashMap<>();
        collect("", null, out);
        return Collections.unmodifiableMap(out);
    }

    private void collect(String prefix, Map<String, Variable> params, Map<String, ParameterKind> kindsOut) {
        for (var e : parameters.entrySet()) {
            if (params != null) params.put(prefix + e.getKey(), e.getValue());
            if (kindsOut != null) kindsOut.put(prefix + e.getKey(), kinds.get(e.getKey()));
        }
        for (var e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", params, kindsOut);
        }
    }

    /** The weights as tensors, for saving. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        namedParameters().forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    /**
     * Copies saved weights into this module. Names and shapes must match exactly; the first
     * mismatch is named with both shapes.
     */
    public final void loadStateDict(Map<String, Tensor> state) {
        Map<String, Variable> own = namedParameters();
        for (var e : own.entrySet()) {
            Tensor saved = state.get(e.getKey());
            if (saved == null) {
                throw new IllegalArgumentException("loadStateDict: tensor '" + e.getKey() + "' of shape "
                        + org.moe4j.tensor.Shape.str(e.getValue().shape()) + " is missing from the saved weights");
            }
            if (!saved.sameShape(e.getValue().value())) {
                throw new IllegalArgumentException("loadStateDict: tensor '" + e.getKey() + "' has shape "
                        + org.moe4j.tensor.Shape.str(saved.shape()) + " in the saved weights but "
                        + org.moe4j.tensor.Shape.str(e.getValue().shape()) + " in this model");
            }
        }
        for (String name : state.keySet()) {
            if (!own.containsKey(name)) {
                throw new IllegalArgumentException("loadStateDict: the saved weights hold '" + name
                        + "', which this model does not have");
            }
        }
        own.forEach((k, v) -> v.value().copyFrom(state.get(k)));
    }

    /**
     * The weights as a checkpoint stores them. A module may hold a parameter in a layout of its own
     * (a mixture of experts keeps its experts stacked) and save it the way other tools expect;
     * by default this is {@link #stateDict()}.
     */
    public Map<String, Tensor> checkpointState() {
        return stateDict();
    }

    /** Loads what {@link #checkpointState()} wrote; by default {@link #loadStateDict}. */
    public void loadCheckpointState(Map<String, Tensor> state) {
        loadStateDict(state);
    }

    /**
     * The name and shape of every tensor a checkpoint of this module holds: by default what
     * {@link #checkpointState()} writes.
     */
    public Map<String, int[]> checkpointShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        checkpointState().forEach((k, t) -> shapes.put(k, t.shape()));
        return shapes;
    }

    public final void zeroGrad() {
        namedParameters().values().forEach(Variable::zeroGrad);
    }

    /** Switches training behaviour (dropout, router noise) on or off, for this module and all below. */
    public final void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    public final boolean isTraining() {
        return training;
    }

    /** Total number of parameter values. */
    public final long parameterCount() {
        long n = 0;
        for (Variable v : namedParameters().values()) n += v.value().size();
        return n;
    }
}
