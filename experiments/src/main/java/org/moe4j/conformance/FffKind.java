package org.moe4j.conformance;

import java.util.Map;
import org.moe4j.tensor.Tensor;

/** Kind "fff": the fast feedforward case, through {@link FffConformance}; the leaf index is an integer tensor. */
final class FffKind implements CaseKind {
    @Override
    public CaseTensors run(ConformanceCase c) {
        Map<String, Tensor> result = FffConformance.run(c.config(), c.inputs()::get);
        CaseTensors out = new CaseTensors();
        result.forEach((name, t) -> {
            if (name.equals("eval.leaf_index")) {
                long[] v = new long[t.size()];
                for (int i = 0; i < v.length; i++) v[i] = Math.round(t.at(i));
                out.putIntegers(name, v, t.shape());
            } else {
                out.put(name, t);
            }
        });
        return out;
    }
}
