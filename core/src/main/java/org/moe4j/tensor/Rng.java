package org.moe4j.tensor;

/**
 * A seeded pseudo-random generator whose sequence is fixed by this file alone: xoshiro256**
 * (Blackman and Vigna 2018) seeded through SplitMix64, normals by the Box-Muller transform in
 * {@link StrictMath}. The same seed gives the same numbers on every JVM, platform and run, which
 * {@code java.util.Random}'s nextGaussian (it uses Math) does not promise. The full state can be
 * saved and restored, so training resumes exactly.
 */
public final class Rng {
    private long s0, s1, s2, s3;
    private double spareNormal;
    private boolean hasSpare;

    public Rng(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound is " + bound + ", must be > 0");
        }
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) {
                return (int) (r % bound);
            }
        }
    }

    /** Standard normal N(0, 1). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u1;
        do {
            u1 = nextDouble();
        } while (u1 <= 0.0);
        double u2 = nextDouble();
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
        double theta = 2.0 * StrictMath.PI * u2;
        spareNormal = r * StrictMath.sin(theta);
        hasSpare = true;
        return r * StrictMath.cos(theta);
    }

    /** A new generator whose stream is independent of this one's continuation. */
    public Rng fork() {
        return new Rng(nextLong());
    }

    /** The full state, for checkpoints: four state words, the spare normal's bits, and a flag. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3, Double.doubleToRawLongBits(spareNormal), hasSpare ? 1 : 0};
    }

    /** Restores a state produced by {@link #state()}. */
    public void restore(long[] state) {
        if (state.length != 6) {
            throw new IllegalArgumentException("Rng.restore: state has " + state.length + " words, expected 6");
        }
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        spareNormal = Double.longBitsToDouble(state[4]);
        hasSpare = state[5] != 0;
    }
}
