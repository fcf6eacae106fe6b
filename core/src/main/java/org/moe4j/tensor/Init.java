package org.moe4j.tensor;

/**
 * Seeded initialisation of tensors. Fan-in and fan-out follow PyTorch's convention for a weight
 * of shape [out, in, ...]: fan_in = in * receptive field, fan_out = out * receptive field.
 */
public final class Init {
    private Init() {}

    /** Fills with N(mean, std^2). */
    public static Tensor normal(Tensor t, Rng rng, double mean, double std) {
        requireNonNegative("normal", "std", std);
        float[] d = t.data();
        for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
            d[i] = (float) (mean + std * rng.nextGaussian());
        }
        return t;
    }

    /** Fills with U(low, high). */
    public static Tensor uniform(Tensor t, Rng rng, double low, double high) {
        if (!(low <= high)) {
            throw new IllegalArgumentException("uniform: low " + low + " must be <= high " + high);
        }
        float[] d = t.data();
        for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
            d[i] = (float) (low + (high - low) * rng.nextDouble());
        }
        return t;
    }

    /**
     * Fills with N(mean, std^2) truncated to [low, high] by redrawing values outside the interval
     * (the interval must hold at least some probability mass: it must contain a point within
     * 6 standard deviations of the mean).
     */
    public static Tensor truncatedNormal(Tensor t, Rng rng, double mean, double std, double low, double high) {
        requireNonNegative("truncatedNormal", "std", std);
        if (!(low < high)) {
            throw new IllegalArgumentException("truncatedNormal: low " + low + " must be < high " + high);
        }
        if (high < mean - 6 * std || low > mean + 6 * std) {
            throw new IllegalArgumentException("truncatedNormal: [" + low + ", " + high + "] lies more than 6 std from mean "
                    + mean + " (std " + std + "): redrawing would practically never end");
        }
        float[] d = t.data();
        for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
            double v;
            do {
                v = mean + std * rng.nextGaussian();
            } while (v < low || v > high);
            d[i] = (float) v;
        }
        return t;
    }

    /** Kaiming (He) uniform: U(-b, b), b = gain * sqrt(3 / fan_in). */
    public static Tensor kaimingUniform(Tensor t, Rng rng, double gain) {
        double bound = gain * Math.sqrt(3.0 / fanIn(t));
        return uniform(t, rng, -bound, bound);
    }

    /** Kaiming (He) normal: N(0, gain^2 / fan_in). */
    public static Tensor kaimingNormal(Tensor t, Rng rng, double gain) {
        return normal(t, rng, 0, gain / Math.sqrt(fanIn(t)));
    }

    /** Xavier (Glorot) uniform: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)). */
    public static Tensor xavierUniform(Tensor t, Rng rng, double gain) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(t) + fanOut(t)));
        return uniform(t, rng, -bound, bound);
    }

    /** Xavier (Glorot) normal: N(0, gain^2 * 2 / (fan_in + fan_out)). */
    public static Tensor xavierNormal(Tensor t, Rng rng, double gain) {
        return normal(t, rng, 0, gain * Math.sqrt(2.0 / (fanIn(t) + fanOut(t))));
    }

    /** PyTorch's default nn.Linear weight init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
    public static Tensor linearDefault(Tensor t, Rng rng, int fanIn) {
        double bound = 1.0 / Math.sqrt(Math.max(1, fanIn));
        return uniform(t, rng, -bound, bound);
    }

    public static int fanIn(Tensor t) {
        requireMatrixLike(t);
        return t.dim(1) * receptiveField(t);
    }

    public static int fanOut(Tensor t) {
        requireMatrixLike(t);
        return t.dim(0) * receptiveField(t);
    }

    private static int receptiveField(Tensor t) {
        int r = 1;
        for (int i = 2; i < t.rank(); i++) {
            r *= t.dim(i);
        }
        return r;
    }

    private static void requireMatrixLike(Tensor t) {
        if (t.rank() < 2) {
            throw new IllegalArgumentException("fan-in/fan-out need a tensor of rank >= 2 ([out, in, ...]), got shape "
                    + Shape.str(t.shape()));
        }
        if (t.size() == 0) {
            throw new IllegalArgumentException("fan-in/fan-out of an empty tensor " + Shape.str(t.shape()) + " are zero");
        }
    }

    private static void requireNonNegative(String op, String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(op + ": " + name + " is " + v + ", must be finite and >= 0");
        }
    }
}
