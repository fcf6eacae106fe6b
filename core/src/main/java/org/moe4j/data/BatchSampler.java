package org.moe4j.data;

import org.moe4j.tensor.Rng;

/**
 * Training batches drawn at random from a range of a token file: row b of the batch for step s
 * starts at a position chosen uniformly among the {@code length - T} windows of {@code T + 1}
 * tokens, by a generator seeded from (seed, s) alone. A batch is therefore a pure function of
 * (seed, step): a run resumed at step s sees exactly the batches an uninterrupted run would have,
 * with no sampler state to checkpoint.
 */
public final class BatchSampler {
    private final TokenFile file;
    private final long start;
    private final long windows;
    private final int batchSize;
    private final int contextLength;
    private final long seedBase;

    /** Samples from tokens {@code [start, start + length)} of {@code file}. */
    public BatchSampler(TokenFile file, long start, long length, int batchSize, int contextLength, long seed) {
        if (batchSize < 1 || contextLength < 1) {
            throw new IllegalArgumentException("BatchSampler: batch size " + batchSize + " and context length "
                    + contextLength + " must both be >= 1");
        }
        if (start < 0 || length < 0 || start > file.size() - length) {
            throw new IllegalArgumentException("BatchSampler: range [" + start + ", " + (start + length)
                    + ") is outside the token file's [0, " + file.size() + ")");
        }
        if (length < contextLength + 1L) {
            throw new IllegalArgumentException("BatchSampler: the range has " + length + " tokens, fewer than context length + 1 = "
                    + (contextLength + 1L) + "; use a larger corpus or a shorter context");
        }
        this.file = file;
        this.start = start;
        this.windows = length - contextLength;
        this.batchSize = batchSize;
        this.contextLength = contextLength;
        this.seedBase = new Rng(seed).nextLong();
    }

    /** The training range of {@code split}. */
    public static BatchSampler training(TokenFile file, DataSplit split, int batchSize, int contextLength, long seed) {
        return new BatchSampler(file, split.trainStart(), split.trainLength(), batchSize, contextLength, seed);
    }

    /** The batch of step {@code step} (any step >= 0, in any order). */
    public Batch batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("BatchSampler.batch: step is " + step + ", must be >= 0");
        }
        Rng rng = new Rng(seedBase ^ (step * 0x9E3779B97F4A7C15L));
        int[] inputs = new int[batchSize * contextLength];
        int[] targets = new int[batchSize * contextLength];
        int[] window = new int[contextLength + 1];
        for (int b = 0; b < batchSize; b++) {
            file.read(start + uniform(rng, windows), window, 0, window.length);
            Batch.fillRow(window, b, contextLength, inputs, targets);
        }
        return new Batch(inputs, targets, batchSize, contextLength);
    }

    /** Uniform in [0, bound) for bound >= 1, by rejection (no modulo bias). */
    static long uniform(Rng rng, long bound) {
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound);
        while (true) {
            long r = rng.nextLong() >>> 1;
            if (r < limit) {
                return r % bound;
            }
        }
    }
}
