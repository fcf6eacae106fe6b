package org.moe4j.fff;

import java.util.Locale;

/**
 * How much memory a tree's parameters need, checked before anything is allocated: a depth that
 * would need more than the JVM may ever hold, or a stacked leaf tensor over the 2^31 - 1 elements
 * one float32 tensor can hold, is rejected with the amount it would need.
 */
public final class TreeMemory {
    private TreeMemory() {}

    /**
     * Bytes of all float32 parameters: nodes (2^D - 1) (in + 1), leaves 2^D (l (in + 1) + out (l + 1)).
     * In double, so any depth gives a finite answer.
     */
    public static double parameterBytes(int inputWidth, int leafWidth, int outputWidth, int depth) {
        double leaves = Math.pow(2, depth);
        double nodes = leaves - 1;
        return 4 * (nodes * (inputWidth + 1.0)
                + leaves * ((double) leafWidth * (inputWidth + 1.0) + (double) outputWidth * (leafWidth + 1.0)));
    }

    /** Fails unless the tree's tensors can be allocated in this JVM. */
    public static void requireFits(int inputWidth, int leafWidth, int outputWidth, int depth) {
        double bytes = parameterBytes(inputWidth, leafWidth, outputWidth, depth);
        double leaves = Math.pow(2, depth);
        double largestTensor = leaves * Math.max((double) leafWidth * inputWidth, (double) outputWidth * leafWidth);
        long available = Runtime.getRuntime().maxMemory();
        if (depth > FastFeedForwardConfig.MAX_DEPTH || largestTensor > Integer.MAX_VALUE || bytes > available) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "FastFeedForward: depth %d (2^%d leaves of width %d, input %d, output %d) needs %s of parameters"
                            + " (largest tensor %.3g elements, at most 2^31 - 1 allowed) but this JVM may use at most %s;"
                            + " lower the depth or the leaf width, or raise -Xmx",
                    depth, depth, leafWidth, inputWidth, outputWidth, human(bytes), largestTensor, human(available)));
        }
    }

    static String human(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return u < units.length - 1 || bytes < 1024 ? String.format(Locale.ROOT, "%.1f %s", bytes, units[u])
                : String.format(Locale.ROOT, "%.3g %s", bytes, units[u]);
    }
}
