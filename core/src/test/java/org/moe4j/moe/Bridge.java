package org.moe4j.moe;

import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Tensor;

/**
 * Lets GradCheck's input variables stand for a module's own parameters: their values are copied
 * into the module, and after the inner graph's backward each parameter's gradient is handed to
 * its outer variable. The input x is used by the inner graph directly.
 */
final class Bridge {
    private Bridge() {}

    static void copyIn(Variable[] outer, Variable[] inner) {
        for (int i = 0; i < outer.length; i++) inner[i].value().copyFrom(outer[i].value());
    }

    static Variable wrap(Variable innerOut, Variable[] outer, Variable[] inner) {
        return Variable.result("bridge", innerOut.value(), dy -> {
            innerOut.backward(dy);
            for (int i = 0; i < outer.length; i++) {
                Tensor g = inner[i].grad();
                outer[i].accumulateGrad(g != null ? g : Tensor.zeros(inner[i].shape()));
            }
        }, outer);
    }
}
