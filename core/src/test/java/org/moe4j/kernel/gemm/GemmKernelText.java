package org.moe4j.kernel.gemm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the two methods (overwrite and accumulate) of every GEMM micro-kernel class. The kernels
 * must be written out in full (see {@link GemmMicroKernel}: C2 would box a vector passed to a call it
 * does not inline), so six classes hold twelve methods that differ only in the tile's rows and in how
 * the A panel is laid out; this class is the one place they are defined, and
 * {@code GemmKernelSourceTest} checks that every kernel class still holds exactly what it writes.
 * After changing the template, run {@code main} with the path of core/src/main/java to rewrite them.
 */
final class GemmKernelText {
    /**
     * A kernel class: its file name, the tile's rows, whether it reads A as rows of KC floats, and
     * whether it reads the B panel {@code BlockedGemm.AHEAD} floats ahead of its loads (then its
     * methods return the bits of what they read, for the caller to keep).
     */
    record Kernel(String className, int rows, boolean aRows, boolean touchAhead) {}

    static final Kernel[] KERNELS = {
        new Kernel("GemmMicroKernel4", 4, false, false),
        new Kernel("GemmMicroKernel", 6, false, false),
        new Kernel("GemmMicroKernel14", 14, false, true),
        new Kernel("GemmRowsKernel4", 4, true, false),
        new Kernel("GemmRowsKernel6", 6, true, false),
        new Kernel("GemmRowsKernel14", 14, true, true),
    };

    /** The text of the class from the overwrite method's comment to the end of the file. */
    static String methods(Kernel k) {
        StringBuilder s = new StringBuilder();
        s.append("    /**\n");
        s.append("     * C[MR x NR] (at cOff, leading dimension ldc) = acc, where acc[r][j] = sum over p < kc of\n");
        s.append(k.aRows()
                ? "     * ap[p][r] * bp[p][j]; ap holds the A panel as rows: ap[apOff + r * KC + p], bp a packed B panel\n"
                : "     * ap[p][r] * bp[p][j]; ap is a packed A panel (kc x MR, MR contiguous per p), bp a packed B panel\n");
        s.append("     * (kc x NR). What C held, NaN included, is ignored. Only full tiles: the caller runs edge tiles\n");
        s.append("     * into a scratch tile.\n");
        if (k.touchAhead()) {
            s.append("     * bp must hold AHEAD floats past the panel (bpOff + kc * NR + AHEAD <= bp.length): each step\n");
            s.append("     * also reads one float of each of the two B lines AHEAD floats on, so that the lines are in L1\n");
            s.append("     * when the loop gets there; returns those floats' bits xor-ed together, which the caller keeps\n");
            s.append("     * so that the JIT cannot drop the reads.\n");
        }
        s.append("     */\n");
        method(s, k, "overwrite");
        s.append("\n    /** As {@link #overwrite}, but C[MR x NR] += acc. */\n");
        method(s, k, "accumulate");
        s.append("}\n");
        return s.toString();
    }

    private static void method(StringBuilder s, Kernel k, String name) {
        s.append(k.touchAhead() ? "    static int " : "    static void ").append(name)
                .append("(int kc, float[] ap, int apOff, float[] bp, int bpOff, float[] c, int cOff, int ldc) {\n");
        for (int r = 0; r < k.rows(); r++) {
            s.append("        FloatVector c").append(r).append("0 = FloatVector.zero(SPECIES), c").append(r)
                    .append("1 = FloatVector.zero(SPECIES);\n");
        }
        if (k.touchAhead()) {
            s.append("        int touched = 0;\n");
        }
        if (k.aRows()) {
            s.append("        int b = bpOff;\n");
            s.append("        for (int a = apOff, end = apOff + kc; a < end; a++, b += NR) {\n");
        } else {
            s.append("        int a = apOff;\n");
            s.append("        int b = bpOff;\n");
            s.append("        for (int p = 0; p < kc; p++, a += MR, b += NR) {\n");
        }
        s.append("            FloatVector b0 = FloatVector.fromArray(SPECIES, bp, b);\n");
        s.append("            FloatVector b1 = FloatVector.fromArray(SPECIES, bp, b + VL);\n");
        if (k.touchAhead()) {
            s.append("            touched ^= Float.floatToRawIntBits(bp[b + AHEAD]) ^ Float.floatToRawIntBits(bp[b + AHEAD + VL]);\n");
        }
        for (int r = 0; r < k.rows(); r++) {
            String at = r == 0 ? "a" : k.aRows() ? "a + " + r + " * KC" : "a + " + r;
            s.append(r == 0 ? "            FloatVector x = " : "            x = ")
                    .append("FloatVector.broadcast(SPECIES, ap[").append(at).append("]);\n");
            s.append("            c").append(r).append("0 = x.fma(b0, c").append(r).append("0);\n");
            s.append("            c").append(r).append("1 = x.fma(b1, c").append(r).append("1);\n");
        }
        s.append("        }\n");
        for (int r = 0; r < k.rows(); r++) {
            String row = r == 0 ? "cOff" : r == 1 ? "cOff + ldc" : "cOff + " + r + " * ldc";
            for (String at : new String[] {row, row + " + VL"}) {
                String acc = "c" + r + (at.endsWith("VL") ? "1" : "0");
                if (name.equals("overwrite")) {
                    s.append("        ").append(acc).append(".intoArray(c, ").append(at).append(");\n");
                } else {
                    s.append("        ").append(acc).append(".add(FloatVector.fromArray(SPECIES, c, ").append(at)
                            .append(")).intoArray(c, ").append(at).append(");\n");
                }
            }
        }
        if (k.touchAhead()) {
            s.append("        return touched;\n");
        }
        s.append("    }\n");
    }

    /** Where the generated part of a kernel class starts. */
    static int start(String source) {
        return source.indexOf("    /**\n     * C[MR x NR] (at cOff");
    }

    /** Rewrites the generated part of every kernel class under {@code args[0]} (core/src/main/java). */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0], "org", "moe4j", "kernel", "gemm");
        for (Kernel k : KERNELS) {
            Path file = dir.resolve(k.className() + ".java");
            String source = Files.readString(file, StandardCharsets.UTF_8);
            Files.writeString(file, source.substring(0, start(source)) + methods(k), StandardCharsets.UTF_8);
        }
    }
}
