package org.moe4j.autograd;

/**
 * The record of one operation on the tape: its inputs and its backward. Both are dropped as soon
 * as the backward has run, which releases the activations the backward had saved.
 */
final class Node {
    final String op;
    Variable[] inputs;
    Backward backward;

    Node(String op, Variable[] inputs, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.backward = backward;
    }

    void release() {
        inputs = null;
        backward = null;
    }
}
