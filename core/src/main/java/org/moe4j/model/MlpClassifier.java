package org.moe4j.model;

import org.moe4j.autograd.Variable;
import org.moe4j.nn.Dropout;
import org.moe4j.nn.Linear;
import org.moe4j.nn.Module;
import org.moe4j.nn.ModuleList;
import org.moe4j.tensor.Rng;

/** A multilayer perceptron that maps inputs to class logits; layers are named layers.0, layers.1, ... */
public final class MlpClassifier extends Module {
    private final MlpClassifierConfig config;
    private final ModuleList<Linear> layers;
    private final Dropout dropout;

    public MlpClassifier(MlpClassifierConfig config) {
        this.config = config;
        Rng rng = new Rng(config.seed());
        this.layers = addModule("layers", new ModuleList<>());
        int in = config.inputSize();
        int[] hidden = config.hiddenSizes();
        for (int i = 0; i <= hidden.length; i++) {
            int out = i < hidden.length ? hidden[i] : config.numClasses();
            layers.add(new Linear(in, out, true, rng));
            in = out;
        }
        this.dropout = new Dropout(config.dropout(), rng.fork());
    }

    public MlpClassifierConfig config() {
        return config;
    }

    /** The dropout generator, the only randomness in a training step. */
    public Rng dropoutRng() {
        return dropout.rng();
    }

    // x: (N, inputSize)   logits: (N, numClasses)
    public Variable forward(Variable x) {
        Variable h = x;
        for (int i = 0; i < layers.size(); i++) {
            h = layers.get(i).forward(h);
            if (i < layers.size() - 1) {
                h = dropout.forward(config.activation().apply(h), isTraining());
            }
        }
        return h;
    }
}
