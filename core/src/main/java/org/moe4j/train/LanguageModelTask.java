package org.moe4j.train;

import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.data.Batch;
import org.moe4j.model.TransformerLM;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;

/**
 * Next-token prediction: the loss of a step is the model's mean cross-entropy on that step's
 * batch plus its auxiliary losses (load balancing, z-loss, ...). The batch of a step comes from
 * {@link Batches}, which must make it a function of the step alone so that resuming is exact.
 */
public final class LanguageModelTask implements TrainingTask {
    /** The training batch of each step. */
    @FunctionalInterface
    public interface Batches {
        Batch batch(long step);
    }

    private final TransformerLM model;
    private final Batches batches;
    private final List<Rng> generators;
    private AuxiliaryLosses lastAux = new AuxiliaryLosses();
    private double lastLanguageModelLoss = Double.NaN;

    public LanguageModelTask(TransformerLM model, Batches batches, List<Rng> generators) {
        this.model = model;
        this.batches = batches;
        this.generators = List.copyOf(generators);
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
        Batch b = batches.batch(step);
        model.train(true);
        AuxiliaryLosses aux = new AuxiliaryLosses();
        Variable lm = model.languageModelLoss(b.inputs(), b.targets(), b.contextLength(), aux);
        lastAux = aux;
        lastLanguageModelLoss = lm.value().item();
        return aux.addTo(lm);
    }

    /** Lets every feed-forward block update after the optimizer step (DeepSeek-V3's router bias, say). */
    @Override
    public void afterStep(long step) {
        for (FeedForwardBlock block : model.feedForwardBlocks()) block.afterStep();
    }

    /** The cross-entropy part of the last step's loss (nats per token). */
    public double lastLanguageModelLoss() {
        return lastLanguageModelLoss;
    }

    /** The auxiliary terms of the last step. */
    public AuxiliaryLosses lastAuxiliaryLosses() {
        return lastAux;
    }
}
