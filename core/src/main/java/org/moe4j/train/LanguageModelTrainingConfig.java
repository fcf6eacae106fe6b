package org.moe4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.io.JsonFields;

/**
 * How a language model is trained. {@code steps} 0 means "as many as fit in {@code minutes}",
 * fixed after timing the first steps, so the learning-rate schedule still runs to its end.
 */
public record LanguageModelTrainingConfig(int batchSize, long steps, double minutes, double learningRate,
                                          double minLearningRateFactor, long warmupSteps, double weightDecay,
                                          double maxGradNorm, double routerLearningRate, long evalEvery, int evalBatches,
                                          long checkpointEvery, long seed, double validationFraction) {
    public LanguageModelTrainingConfig {
        require(batchSize >= 1, "batch_size", batchSize, ">= 1");
        require(steps >= 0, "steps", steps, ">= 0 (0: fill the time budget)");
        require(steps > 0 || (minutes > 0 && Double.isFinite(minutes)), "minutes", minutes, "> 0 when steps is 0");
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate", learningRate, "> 0");
        require(minLearningRateFactor >= 0 && minLearningRateFactor <= 1, "min_lr_factor", minLearningRateFactor, "in [0, 1]");
        require(warmupSteps >= 0, "warmup_steps", warmupSteps, ">= 0");
        require(weightDecay >= 0, "weight_decay", weightDecay, ">= 0");
        require(maxGradNorm >= 0, "grad_clip", maxGradNorm, ">= 0 (0: none)");
        require(routerLearningRate > 0, "router_learning_rate", routerLearningRate, "> 0");
        require(evalEvery >= 1, "eval_every", evalEvery, ">= 1");
        require(evalBatches >= 1, "eval_batches", evalBatches, ">= 1");
        require(checkpointEvery >= 0, "checkpoint_every", checkpointEvery, ">= 0 (0: only at the end)");
        require(validationFraction > 0 && validationFraction < 1, "validation_fraction", validationFraction, "in (0, 1)");
    }

    private static void require(boolean ok, String field, Object value, String allowed) {
        if (!ok) throw new IllegalArgumentException("training config: " + field + " is " + value + ", must be " + allowed);
    }

    public LanguageModelTrainingConfig withSteps(long newSteps) {
        return new LanguageModelTrainingConfig(batchSize, newSteps, minutes, learningRate, minLearningRateFactor, warmupSteps,
                weightDecay, maxGradNorm, routerLearningRate, evalEvery, evalBatches, checkpointEvery, seed, validationFraction);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", (long) batchSize);
        m.put("steps", steps);
        m.put("minutes", minutes);
        m.put("learning_rate", learningRate);
        m.put("min_lr_factor", minLearningRateFactor);
        m.put("warmup_steps", warmupSteps);
        m.put("weight_decay", weightDecay);
        m.put("grad_clip", maxGradNorm);
        m.put("router_learning_rate", routerLearningRate);
        m.put("eval_every", evalEvery);
        m.put("eval_batches", (long) evalBatches);
        m.put("checkpoint_every", checkpointEvery);
        m.put("seed", seed);
        m.put("validation_fraction", validationFraction);
        return m;
    }

    public static LanguageModelTrainingConfig fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) throw new IllegalArgumentException("training config must be a JSON object");
        String w = "training config";
        return new LanguageModelTrainingConfig(JsonFields.integer(m, "batch_size", w), JsonFields.longValue(m, "steps", w),
                JsonFields.number(m, "minutes", w), JsonFields.number(m, "learning_rate", w), JsonFields.number(m, "min_lr_factor", w),
                JsonFields.longValue(m, "warmup_steps", w), JsonFields.number(m, "weight_decay", w), JsonFields.number(m, "grad_clip", w),
                JsonFields.number(m, "router_learning_rate", w), JsonFields.longValue(m, "eval_every", w),
                JsonFields.integer(m, "eval_batches", w), JsonFields.longValue(m, "checkpoint_every", w),
                JsonFields.longValue(m, "seed", w), JsonFields.number(m, "validation_fraction", w));
    }
}
