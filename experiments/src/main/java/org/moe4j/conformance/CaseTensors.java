package org.moe4j.conformance;

import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** Named float and integer tensors: a case's inputs, or the tensors a run produces. */
public final class CaseTensors {
    /** An integer tensor (int64 in the files). */
    public record Integers(long[] values, int[] shape) {}

    private final Map<String, Tensor> floats = new LinkedHashMap<>();
    private final Map<String, Integers> integers = new LinkedHashMap<>();

    public CaseTensors put(String name, Tensor t) {
        floats.put(name, t);
        return this;
    }

    public CaseTensors putIntegers(String name, long[] values, int... shape) {
        if (values.length != Shape.size(shape)) {
            throw new IllegalArgumentException("conformance: " + name + " has " + values.length + " values for shape "
                    + Shape.str(shape));
        }
        integers.put(name, new Integers(values, shape));
        return this;
    }

    public CaseTensors putIntegers(String name, int[] values, int... shape) {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i];
        return putIntegers(name, v, shape);
    }

    public Map<String, Tensor> floats() {
        return floats;
    }

    public Map<String, Integers> integers() {
        return integers;
    }

    public boolean contains(String name) {
        return floats.containsKey(name) || integers.containsKey(name);
    }

    /** Float tensor {@code name}; fails naming the case's tensors when it is missing. */
    public Tensor get(String name) {
        Tensor t = floats.get(name);
        if (t == null) {
            throw new IllegalArgumentException("conformance: the case has no float tensor '" + name + "' (it has "
                    + floats.keySet() + ")");
        }
        return t;
    }
}
