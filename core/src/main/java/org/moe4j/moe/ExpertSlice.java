package org.moe4j.moe;

/**
 * Which experts of a MoE layer this process holds: part {@code part} of {@code parts} equal
 * contiguous parts, that is experts [part E/parts, (part + 1) E/parts) of E. {@link #WHOLE} holds
 * every expert. Expert-parallel training builds each rank's experts as its part only, so the
 * weights, their gradients and the optimizer's buffers of a rank are 1/parts of the layer's.
 */
public record ExpertSlice(int part, int parts) {
    /** Every expert. */
    public static final ExpertSlice WHOLE = new ExpertSlice(0, 1);

    public ExpertSlice {
        if (parts < 1) {
            throw new IllegalArgumentException("expert slice: parts is " + parts + ", must be >= 1");
        }
        if (part < 0 || part >= parts) {
            throw new IllegalArgumentException("expert slice: part is " + part + ", must be in [0, " + parts + ")");
        }
    }

    public boolean isWhole() {
        return parts == 1;
    }

    /** The first held expert of a layer with {@code experts} experts, which {@code parts} must divide. */
    public int first(int experts) {
        return count(experts) * part;
    }

    /** How many experts of {@code experts} this slice holds. */
    public int count(int experts) {
        if (experts % parts != 0) {
            throw new IllegalArgumentException("expert slice: " + experts + " experts do not split into " + parts
                    + " equal parts; the part count must divide the expert count");
        }
        return experts / parts;
    }
}
