package org.moe4j.conformance;

import java.util.Map;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/** What every case kind does the same way: load weights by name, form the objective, read gradients. */
final class LayerRuns {
    private LayerRuns() {}

    /** Copies case tensor {@code caseName} into the module parameter {@code paramName}, shapes checked. */
    static void load(Module module, ConformanceCase c, Map<String, String> caseToParameter) {
        Map<String, Variable> params = module.namedParameters();
        caseToParameter.forEach((caseName, paramName) -> {
            Variable p = params.get(paramName);
            if (p == null) {
                throw new IllegalStateException("conformance: the layer has no parameter '" + paramName + "' (it has "
                        + params.keySet() + ")");
            }
            Tensor t = c.inputs().get(caseName);
            if (!t.sameShape(p.value())) {
                throw new IllegalArgumentException("conformance case " + c.name() + ": tensor '" + caseName + "' has shape "
                        + Shape.str(t.shape()) + " but the layer built from its config needs " + Shape.str(p.shape()));
            }
            p.value().copyFrom(t);
        });
    }

    /** objective = sum(out * gradOut) + aux (aux holds its coefficients; may be null). */
    static Variable objective(Variable out, Tensor gradOut, Variable aux) {
        Variable main = Arithmetic.sum(Arithmetic.mul(out, Variable.constant(gradOut)));
        return aux == null ? main : Arithmetic.weightedSum(new Variable[] {main, aux}, new float[] {1f, 1f});
    }

    /** The gradient a variable collected, or zeros of its shape when none reached it. */
    static Tensor gradOrZeros(Variable v) {
        return v.grad() != null ? v.grad().copy() : Tensor.zeros(v.shape());
    }

    /** Writes the gradient of every named parameter as "grad." + case name. */
    static void gradients(CaseTensors out, Module module, Map<String, String> caseToParameter, String prefix) {
        Map<String, Variable> params = module.namedParameters();
        caseToParameter.forEach((caseName, paramName) -> out.put(prefix + caseName, gradOrZeros(params.get(paramName))));
    }

    static long[] longs(int[] values) {
        long[] v = new long[values.length];
        for (int i = 0; i < v.length; i++) v[i] = values[i];
        return v;
    }

    static int integer(ConformanceCase c, String key) {
        double v = c.number(key);
        if (v != Math.rint(v)) {
            throw new IllegalArgumentException("conformance case " + c.name() + ": config '" + key + "' = " + v
                    + " must be a whole number");
        }
        return (int) v;
    }
}
