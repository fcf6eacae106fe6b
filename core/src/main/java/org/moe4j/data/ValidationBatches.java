package org.moe4j.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The validation range read in order, every token predicted once: window i holds tokens
 * {@code [start + i T, start + i T + T + 1)}, windows are grouped B to a batch (the last batch may
 * have fewer rows), and the {@code (length - 1) mod T} tokens after the last full window are left
 * out. The same range gives the same batches every time, so validation losses compare across runs.
 */
public final class ValidationBatches implements Iterable<Batch> {
    private final TokenFile file;
    private final long start;
    private final long windows;
    private final int batchSize;
    private final int contextLength;

    public ValidationBatches(TokenFile file, long start, long length, int batchSize, int contextLength) {
        if (batchSize < 1 || contextLength < 1) {
            throw new IllegalArgumentException("ValidationBatches: batch size " + batchSize + " and context length "
                    + contextLength + " must both be >= 1");
        }
        if (start < 0 || length < 0 || start > file.size() - length) {
            throw new IllegalArgumentException("ValidationBatches: range [" + start + ", " + (start + length)
                    + ") is outside the token file's [0, " + file.size() + ")");
        }
        if (length < contextLength + 1L) {
            throw new IllegalArgumentException("ValidationBatches: the validation range has " + length
                    + " tokens, fewer than context length + 1 = " + (contextLength + 1L));
        }
        this.file = file;
        this.start = start;
        this.windows = (length - 1) / contextLength;
        this.batchSize = batchSize;
        this.contextLength = contextLength;
    }

    /** The validation range of {@code split}. */
    public static ValidationBatches of(TokenFile file, DataSplit split, int batchSize, int contextLength) {
        return new ValidationBatches(file, split.validationStart(), split.validationLength(), batchSize, contextLength);
    }

    /** Number of windows (rows over all batches). */
    public long windows() {
        return windows;
    }

    /** Number of batches. */
    public long batches() {
        return (windows + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<Batch> iterator() {
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < windows;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("ValidationBatches: all " + windows + " windows read");
                }
                int rows = (int) Math.min(batchSize, windows - next);
                int[] inputs = new int[rows * contextLength];
                int[] targets = new int[rows * contextLength];
                int[] window = new int[contextLength + 1];
                for (int b = 0; b < rows; b++) {
                    file.read(start + (next + b) * contextLength, window, 0, window.length);
                    Batch.fillRow(window, b, contextLength, inputs, targets);
                }
                next += rows;
                return new Batch(inputs, targets, rows, contextLength);
            }
        };
    }
}
