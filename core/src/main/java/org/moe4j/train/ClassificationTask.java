package org.moe4j.train;

import java.util.List;
import java.util.function.Function;
import org.moe4j.autograd.CrossEntropy;
import org.moe4j.autograd.GradMode;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Supervised classification with cross-entropy: minibatches drawn without replacement from a
 * fresh permutation per epoch, the permutation of epoch e a function of (seed, e) alone.
 */
public final class ClassificationTask implements TrainingTask {
    private final Module model;
    private final Function<Variable, Variable> forward;
    private final Tensor inputs;
    private final int[] labels;
    private final int batchSize;
    private final long seed;
    private final List<Rng> generators;
    private int[] order;
    private long orderEpoch = -1;

    // inputs: (N, features)   labels: (N)
    public ClassificationTask(Module model, Function<Variable, Variable> forward, Tensor inputs, int[] labels,
                              int batchSize, long seed, List<Rng> generators) {
        if (inputs.rank() != 2 || inputs.dim(0) != labels.length) {
            throw new IllegalArgumentException("classification: inputs of shape " + org.moe4j.tensor.Shape.str(inputs.shape())
                    + " must be [N, features] with N = " + labels.length + " labels");
        }
        if (batchSize < 1 || batchSize > labels.length) {
            throw new IllegalArgumentException("batch size is " + batchSize + ", must be in [1, " + labels.length + "]");
        }
        this.model = model;
        this.forward = forward;
        this.inputs = inputs;
        this.labels = labels;
        this.batchSize = batchSize;
        this.seed = seed;
        this.generators = List.copyOf(generators);
    }

    public int stepsPerEpoch() {
        return labels.length / batchSize;
    }

    @Override
    public Module model() {
        return model;
    }

    @Override
    public List<Rng> generators() {
        return generators;
    }

    @Override
    public Variable loss(long step) {
        long epoch = step / stepsPerEpoch();
        int start = (int) (step % stepsPerEpoch()) * batchSize;
        if (epoch != orderEpoch) {
            order = permutation(labels.length, new Rng(seed * 1_000_003L + epoch));
            orderEpoch = epoch;
        }
        int features = inputs.dim(1);
        Tensor x = Tensor.zeros(batchSize, features);
        int[] y = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            int row = order[start + i];
            System.arraycopy(inputs.data(), inputs.offset() + row * features, x.data(), i * features, features);
            y[i] = labels[row];
        }
        model.train(true);
        return CrossEntropy.loss(forward.apply(Variable.constant(x)), y);
    }

    /** Fisher-Yates shuffle of 0..n-1. */
    static int[] permutation(int n, Rng rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Fraction of rows whose arg-max logit is the label, evaluated without recording, in chunks. */
    public static double accuracy(Module model, Function<Variable, Variable> forward, Tensor inputs, int[] labels) {
        model.train(false);
        int n = labels.length;
        int features = inputs.dim(1);
        int correct = 0;
        try (var scope = GradMode.noGrad()) {
            for (int start = 0; start < n; start += 1024) {
                int rows = Math.min(1024, n - start);
                Tensor x = Tensor.view(inputs.data(), inputs.offset() + start * features, rows, features);
                Tensor logits = forward.apply(Variable.constant(x)).value();
                int classes = logits.cols();
                for (int r = 0; r < rows; r++) {
                    int best = 0;
                    for (int c = 1; c < classes; c++) {
                        if (logits.data()[r * classes + c] > logits.data()[r * classes + best]) best = c;
                    }
                    if (best == labels[start + r]) correct++;
                }
            }
        } finally {
            model.train(true);
        }
        return (double) correct / n;
    }
}
