package org.moe4j.data;

/**
 * A batch for next-token prediction: {@code targets[b][t] = inputs[b][t + 1]} within a window of
 * the corpus, i.e. {@code targets} is {@code inputs} shifted left by one with the next token appended.
 * Row-major and flat, as the embedding lookup and cross-entropy take them.
 */
// inputs: (B, T)   targets: (B, T)
public record Batch(int[] inputs, int[] targets, int batchSize, int contextLength) {
    public Batch {
        long n = (long) batchSize * contextLength;
        if (batchSize < 1 || contextLength < 1 || inputs.length != n || targets.length != n) {
            throw new IllegalArgumentException("Batch: inputs has " + inputs.length + " and targets " + targets.length
                    + " ids, expected B x T = " + batchSize + " x " + contextLength + " with B, T >= 1");
        }
    }

    /** Fills row {@code row} from a window of {@code T + 1} consecutive tokens. */
    static void fillRow(int[] window, int row, int contextLength, int[] inputs, int[] targets) {
        System.arraycopy(window, 0, inputs, row * contextLength, contextLength);
        System.arraycopy(window, 1, targets, row * contextLength, contextLength);
    }
}
