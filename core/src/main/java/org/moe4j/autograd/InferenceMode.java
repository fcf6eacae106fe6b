package org.moe4j.autograd;

/**
 * Batch-invariant inference on the current thread: inside
 * {@code try (var scope = InferenceMode.enter()) { ... }} nothing is recorded for backward (as in
 * {@link GradMode#noGrad()}), and products with a parameter ({@link MatMul#linear}, the experts of a
 * mixture) run on {@link org.moe4j.kernel.BatchInvariantGemm} against the weight's
 * {@link Variable#packedForInference() packed copy}. Every output row then depends on its own
 * input row alone, so a sequence decoded among others gets the same bits as decoded alone.
 * Training and evaluation stay outside: they use the packed GEMM, faster for many rows.
 */
public final class InferenceMode {
    private static final ThreadLocal<boolean[]> ACTIVE = ThreadLocal.withInitial(() -> new boolean[] {false});

    private InferenceMode() {}

    public static boolean isActive() {
        return ACTIVE.get()[0];
    }

    /** Enters inference mode until the returned scope is closed; scopes nest. */
    public static GradMode.Scope enter() {
        boolean[] flag = ACTIVE.get();
        boolean previous = flag[0];
        GradMode.Scope noGrad = GradMode.noGrad();
        flag[0] = true;
        return () -> {
            flag[0] = previous;
            noGrad.close();
        };
    }
}
