package org.moe4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.ModelSummary;
import org.moe4j.io.ModelFolder;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.TensorInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j inspect FILE.safetensors}: each tensor's name, dtype, shape, element count and bytes,
 * the totals, and the metadata. Only the header is read, so a file of any size answers at once.
 * Given a run folder (from {@code moe4j train}) it shows the model instead: parameters in total
 * and active per token, per layer and per block ({@link RunInspection}); given a Hugging Face model
 * folder, its architecture, sizes, parameters in total and active per token, and bytes by dtype.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a safetensors file holds (tensors, totals, metadata), or a run folder's model "
                + "(parameters in total and active per token, per layer and block).")
final class InspectCommand implements Callable<Integer> {
    private static final int METADATA_WIDTH = 100;

    @Parameters(paramLabel = "FILE|RUN|MODEL_DIR", description = "a .safetensors or .gguf file, a run folder or a Hugging Face model folder")
    Path path;

    @Option(names = "--full", description = "print metadata values whole instead of cutting them at "
            + METADATA_WIDTH + " characters")
    boolean full;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file");
        }
        if (ModelFolder.isModelFolder(path)) {
            try (HfModel model = HfModel.load(path)) {
                spec.commandLine().getOut().print(path + "\n" + ModelSummary.of(model).describe());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
        if (Files.isDirectory(path)) {
            RunInspection.print(path, spec.commandLine().getOut());
            return 0;
        }
        if (org.moe4j.io.gguf.GgufFile.isGguf(path)) {
            try (var gguf = org.moe4j.io.gguf.GgufFile.open(path)) {
                GgufInspection.print(gguf, spec.commandLine().getOut(), full ? 0 : METADATA_WIDTH);
            }
            GgufInspection.printModel(path, spec.commandLine().getOut());
            return 0;
        }
        try (SafeTensorsFile file = SafeTensors.open(path)) {
            print(file, spec.commandLine().getOut());
        }
        return 0;
    }

    private void print(SafeTensorsFile file, PrintWriter out) {
        out.printf("%s: %,d tensors, %,d bytes (header %,d bytes)%n", path, file.names().size(), file.fileSize(),
                file.headerLength());
        int nameWidth = "name".length();
        int shapeWidth = "shape".length();
        for (TensorInfo t : file.tensors()) {
            nameWidth = Math.max(nameWidth, Math.min(60, printable(t.name(), 60).length()));
            shapeWidth = Math.max(shapeWidth, t.shapeString().length());
        }
        String row = "%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %,14d  %,16d%n";
        out.println();
        out.printf("%-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %14s  %16s%n", "name", "dtype", "shape", "elements", "bytes");
        long elements = 0;
        long bytes = 0;
        for (TensorInfo t : file.tensors()) {
            out.printf(row, printable(t.name(), 60), t.dtype(), t.shapeString(), t.elementCount(), t.byteSize());
            elements += t.elementCount();
            bytes += t.byteSize();
        }
        out.printf("%-" + (nameWidth + 2 + 7 + 2 + shapeWidth) + "s  %,14d  %,16d%n", "total", elements, bytes);
        Map<String, String> metadata = file.metadata();
        out.println();
        out.printf("metadata: %d %s%n", metadata.size(), metadata.size() == 1 ? "entry" : "entries");
        metadata.forEach((k, v) -> out.printf("  %s: %s%n", printable(k, 60), printable(v, full ? 0 : METADATA_WIDTH)));
        out.flush();
    }

    /**
     * {@code s} safe to print: control characters (which a hostile file could use to move the
     * cursor or hide text) shown as escapes; cut after {@code max} characters unless max is 0.
     */
    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        int n = max > 0 ? Math.min(s.length(), max) : s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (n < s.length()) {
            sb.append("... (").append(String.format("%,d", s.length())).append(" characters; --full shows all)");
        }
        return sb.toString();
    }
}
