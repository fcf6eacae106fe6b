package org.moe4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;

/**
 * Scalar losses a forward pass adds besides the main objective (load balancing, router z-loss,
 * FFF hardening), each with its coefficient, collected so the training loss is
 * main + sum of coefficient * term and every term can be logged by name.
 */
public final class AuxiliaryLosses {
    /** One term: its name, coefficient and value. */
    public record Term(String name, float coefficient, Variable value) {}

    private final List<Term> terms = new ArrayList<>();

    public void add(String name, float coefficient, Variable value) {
        if (value.value().size() != 1) {
            throw new IllegalArgumentException("auxiliary loss '" + name + "' must be a scalar");
        }
        terms.add(new Term(name, coefficient, value));
    }

    public List<Term> terms() {
        return Collections.unmodifiableList(terms);
    }

    /** main + sum of coefficient * term, as one differentiable scalar. */
    public Variable addTo(Variable main) {
        if (terms.isEmpty()) return main;
        Variable[] all = new Variable[terms.size() + 1];
        float[] weights = new float[terms.size() + 1];
        all[0] = main;
        weights[0] = 1f;
        for (int i = 0; i < terms.size(); i++) {
            all[i + 1] = terms.get(i).value();
            weights[i + 1] = terms.get(i).coefficient();
        }
        return Arithmetic.weightedSum(all, weights);
    }
}
