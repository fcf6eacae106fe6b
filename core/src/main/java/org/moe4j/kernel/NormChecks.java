package org.moe4j.kernel;

/** Argument checks shared by {@link RmsNorm} and {@link LayerNorm}. */
final class NormChecks {
    private NormChecks() {}

    static void epsilon(String op, float eps) {
        if (!(eps >= 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException(op + ": epsilon is " + eps + ", must be finite and >= 0");
        }
    }

    /** x and the output are [rows x cols], the weight (and bias, unless null) [cols], each statistic [rows]. */
    static void shapes(String op, float[] x, int xOff, int rows, int cols, float[] weight, int wOff, float[] bias, int bOff,
                       String out, float[] y, int yOff) {
        long size = KernelChecks.matrix(op, rows, cols);
        KernelChecks.region(op, "x", x, xOff, size);
        KernelChecks.region(op, "weight", weight, wOff, cols);
        if (bias != null) {
            KernelChecks.region(op, "bias", bias, bOff, cols);
        }
        KernelChecks.region(op, out, y, yOff, size);
    }
}
