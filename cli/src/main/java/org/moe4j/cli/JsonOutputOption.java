package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.Json;
import picocli.CommandLine.Option;

/** The {@code --json FILE} option every experiment shares: results written machine-readably, atomically. */
final class JsonOutputOption {
    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path file;

    void write(Object results) throws IOException {
        if (file != null) {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) java.nio.file.Files.createDirectories(parent);
            AtomicFiles.writeString(file, Json.writePretty(results) + "\n");
            System.err.println("results written to " + file);
        }
    }
}
