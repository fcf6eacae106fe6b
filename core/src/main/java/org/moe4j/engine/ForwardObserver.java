package org.moe4j.engine;

/**
 * Sees the intermediate results of a forward pass (conformance checks, routing statistics). Arrays
 * are the engine's own buffers, valid only during the call: copy what you keep.
 */
public interface ForwardObserver {
    ForwardObserver NONE = new ForwardObserver() {};

    /** Router logits of an MoE layer, (T, E), with the router's bias if it has one. */
    default void routerLogits(int layer, float[] logits, int T, int E) {}

    /** The experts chosen for each row, (T, k), and their weights, in the router's order. */
    default void routing(int layer, int[] experts, float[] weights, int T, int k) {}

    /** The output of the last decoder layer, (T, H). */
    default void hiddenLast(float[] hidden, int T, int H) {}

    /** The output of the final norm, (T, H). */
    default void hiddenNormed(float[] hidden, int T, int H) {}
}
