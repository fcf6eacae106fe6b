package org.moe4j.train;

/** The loss or the gradient norm became NaN or infinite: training stops, naming the step. */
public final class TrainingDivergedException extends IllegalStateException {
    private final long step;

    public TrainingDivergedException(long step, String what, double value, String checkpointNote) {
        super(what + " became " + value + " at step " + step + "; training stopped" + checkpointNote);
        this.step = step;
    }

    public long step() {
        return step;
    }
}
