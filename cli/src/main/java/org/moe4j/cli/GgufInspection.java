package org.moe4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.moe4j.io.gguf.GgmlType;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufTensor;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufValueType;

/**
 * What {@code moe4j inspect FILE.gguf} prints: the header (version, alignment, sizes), every
 * metadata entry with its type (strings cut at a width unless --full, arrays by their first
 * elements and length), every tensor with its ggml type, row-major shape (ne reversed), elements
 * and bytes, and the bytes by type. Only the header is read.
 */
final class GgufInspection {
    private static final int ARRAY_ELEMENTS = 6;

    private GgufInspection() {}

    /** The model moe4j runs from the file (architecture, sizes, parameters), or the one line why it cannot. */
    static void printModel(java.nio.file.Path path, PrintWriter out) {
        out.println();
        try (var model = org.moe4j.engine.gguf.GgufModel.load(path)) {
            out.print("model (as moe4j runs it)\n" + model.summary().describe());
        } catch (java.io.IOException | RuntimeException e) {
            out.println("model: moe4j cannot run this file: " + e.getMessage());
        }
        out.flush();
    }

    static void print(GgufFile file, PrintWriter out, int width) {
        var h = file.header();
        out.printf("%s: GGUF version %d, %,d tensors, %,d bytes (header %,d bytes, alignment %d)%n", file.location(), h.version(),
                file.tensors().size(), file.fileSize(), h.dataOffset(), h.alignment());
        out.println();
        out.printf("metadata: %d %s%n", file.metadata().values().size(), file.metadata().values().size() == 1 ? "entry" : "entries");
        for (Map.Entry<String, GgufValue> e : file.metadata().values().entrySet()) {
            GgufValue v = e.getValue();
            String text = v.type() == GgufValueType.STRING ? (String) v.value() : v.describe(ARRAY_ELEMENTS);
            out.printf("  %s (%s): %s%n", InspectCommand.printable(e.getKey(), 80), v.typeName(), InspectCommand.printable(text, width));
        }
        int nameWidth = "name".length(), shapeWidth = "shape".length();
        for (GgufTensor t : file.tensors()) {
            nameWidth = Math.max(nameWidth, Math.min(60, InspectCommand.printable(t.name(), 60).length()));
            shapeWidth = Math.max(shapeWidth, Arrays.toString(t.shape()).length());
        }
        out.println();
        String row = "%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %,14d  %,16d%n";
        out.printf("%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %14s  %16s%n", "name", "type", "shape", "elements", "bytes");
        long elements = 0, bytes = 0;
        Map<GgmlType, long[]> byType = new TreeMap<>();
        for (GgufTensor t : file.tensors()) {
            out.printf(row, InspectCommand.printable(t.name(), 60), t.type(), Arrays.toString(t.shape()), t.elementCount(), t.byteSize());
            elements += t.elementCount();
            bytes += t.byteSize();
            long[] s = byType.computeIfAbsent(t.type(), k -> new long[2]);
            s[0]++;
            s[1] += t.byteSize();
        }
        out.printf("%-" + (nameWidth + 2 + 7 + 2 + shapeWidth) + "s  %,14d  %,16d%n", "total", elements, bytes);
        out.println();
        byType.forEach((type, s) -> out.printf("  %-7s %,6d tensors %,18d bytes%n", type, s[0], s[1]));
        out.flush();
    }
}
