package org.moe4j.nn;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.tensor.Rng;

/**
 * Two-layer feed-forward block: y = fc2(dropout(act(fc1(x)))), as in GPT-2 and the Switch
 * Transformer's experts (there named wi / wo).
 */
public final class Mlp extends Module {
    private final Linear fc1;
    private final Linear fc2;
    private final Activation.Kind activation;
    private final Dropout dropout;

    public Mlp(int inFeatures, int hidden, int outFeatures, Activation.Kind activation, boolean bias, double dropout,
               Rng rng, String firstName, String secondName) {
        this.fc1 = addModule(firstName, new Linear(inFeatures, hidden, bias, rng));
        this.fc2 = addModule(secondName, new Linear(hidden, outFeatures, bias, rng));
        this.activation = activation;
        this.dropout = new Dropout(dropout, rng.fork());
    }

    /** An MLP whose layers are named fc1 and fc2. */
    public Mlp(int inFeatures, int hidden, int outFeatures, Activation.Kind activation, boolean bias, double dropout, Rng rng) {
        this(inFeatures, hidden, outFeatures, activation, bias, dropout, rng, "fc1", "fc2");
    }

    // x: (..., in)   y: (..., out)
    public Variable forward(Variable x) {
        Variable h = activation.apply(fc1.forward(x));
        return fc2.forward(dropout.forward(h, isTraining()));
    }

    public Linear first() {
        return fc1;
    }

    public Linear second() {
        return fc2;
    }
}
