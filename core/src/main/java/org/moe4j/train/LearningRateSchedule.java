package org.moe4j.train;

/**
 * A factor in [0, 1] (usually) by which the optimizer's learning rates are multiplied at a step
 * (steps count from 0).
 */
@FunctionalInterface
public interface LearningRateSchedule {
    double factor(long step);

    static LearningRateSchedule constant() {
        return step -> 1.0;
    }

    /** Linear warm-up from 1/warmup to 1 over {@code warmupSteps}, then constant. */
    static LearningRateSchedule linearWarmup(long warmupSteps) {
        requireNonNegative("warmupSteps", warmupSteps);
        return step -> step < warmupSteps ? (step + 1.0) / warmupSteps : 1.0;
    }

    /**
     * Linear warm-up, then cosine decay from 1 to {@code minFactor} at {@code totalSteps}
     * (and {@code minFactor} after that), as in nanoGPT.
     */
    static LearningRateSchedule warmupCosine(long warmupSteps, long totalSteps, double minFactor) {
        requireNonNegative("warmupSteps", warmupSteps);
        if (totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("warmupCosine: totalSteps " + totalSteps + " must be > warmupSteps " + warmupSteps);
        }
        if (!(minFactor >= 0 && minFactor <= 1)) {
            throw new IllegalArgumentException("warmupCosine: minFactor is " + minFactor + ", must be in [0, 1]");
        }
        return step -> {
            if (step < warmupSteps) return (step + 1.0) / warmupSteps;
            if (step >= totalSteps) return minFactor;
            double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
            return minFactor + 0.5 * (1 - minFactor) * (1 + Math.cos(Math.PI * progress));
        };
    }

    private static void requireNonNegative(String name, long v) {
        if (v < 0) throw new IllegalArgumentException(name + " is " + v + ", must be >= 0");
    }
}
