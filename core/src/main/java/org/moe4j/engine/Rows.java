package org.moe4j.engine;

/** The rows of one forward step: row t is token {@code tokens[t]} of sequence {@code sequence[t]} at {@code position[t]}. */
record Rows(int[] tokens, int[] sequence, int[] position) {
    int count() {
        return tokens.length;
    }

    int sequence(int t) {
        return sequence[t];
    }

    int position(int t) {
        return position[t];
    }
}
