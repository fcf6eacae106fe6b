package org.moe4j.engine;

/**
 * The rows of one forward step: row t &lt; count is token {@code tokens[t]} of sequence
 * {@code sequence[t]} at {@code position[t]} (the arrays are workspace buffers and may be longer).
 */
record Rows(int count, int[] tokens, int[] sequence, int[] position) {
    int sequence(int t) {
        return sequence[t];
    }

    int position(int t) {
        return position[t];
    }
}
