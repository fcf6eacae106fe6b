package org.moe4j.moe.router;

/** Argument checks shared by the MoE classes; messages name the value and the allowed range. */
final class MoeChecks {
    private MoeChecks() {}

    static void requireExperts(int numExperts) {
        if (numExperts < 1) {
            throw new IllegalArgumentException("MoE: numExperts = " + numExperts + " must be >= 1");
        }
    }

    static void requireTopK(int topK, int numExperts) {
        if (topK < 1 || topK > numExperts) {
            throw new IllegalArgumentException("MoE: topK = " + topK + " must be in [1, " + numExperts
                    + "] (numExperts)");
        }
    }
}
