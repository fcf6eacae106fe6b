package org.moe4j.train;

import java.util.List;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Rng;

/**
 * What a {@link Trainer} trains: a model and the loss of the batch of a given step. The batch of
 * a step must be a function of the step (and the task's seed) alone, so that a resumed run sees
 * the same batches; every random generator the task draws from while training (dropout, router
 * noise) is listed by {@link #generators()} so its state goes into the checkpoint.
 */
public interface TrainingTask {
    Module model();

    /** The scalar loss of step {@code step}'s batch, recorded for backward. */
    Variable loss(long step);

    /** Random generators used during training, in a fixed order. */
    default List<Rng> generators() {
        return List.of();
    }

    /** Called after every optimizer step (for example DeepSeek-V3's router bias update). */
    default void afterStep(long step) {}
}
