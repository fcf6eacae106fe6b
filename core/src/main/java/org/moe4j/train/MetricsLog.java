package org.moe4j.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.Json;

/**
 * Metrics as JSON lines, one {@link StepMetrics} object per step. Lines are flushed as they
 * are written, so a crash loses at most the line being written; when a run resumes from step s,
 * {@link #truncateAfter} drops the records past s (they belong to steps that will be redone).
 */
public final class MetricsLog implements AutoCloseable {
    private final BufferedWriter out;

    public MetricsLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void write(StepMetrics step) throws IOException {
        out.write(Json.write(step.toJson()));
        out.write('\n');
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    /** Every step of a metrics file; a torn last line (from a crash) is skipped. */
    public static List<StepMetrics> read(Path file) throws IOException {
        List<StepMetrics> steps = new ArrayList<>();
        List<Map<String, Object>> records = records(file);
        for (int i = 0; i < records.size(); i++) steps.add(StepMetrics.fromJson(records.get(i), file + ": record " + (i + 1)));
        return steps;
    }

    /** The JSON objects of a metrics file as they are, for rewriting it; a torn last line is skipped. */
    private static List<Map<String, Object>> records(Path file) throws IOException {
        List<Map<String, Object>> records = new ArrayList<>();
        if (!Files.exists(file)) return records;
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            Object o;
            try {
                o = Json.parse(line);
            } catch (IllegalArgumentException e) {
                if (i == lines.size() - 1) break;
                throw new IllegalArgumentException(file + ": line " + (i + 1) + " is not JSON: " + e.getMessage());
            }
            if (o instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, Object> record = (Map<String, Object>) m;
                records.add(record);
            }
        }
        return records;
    }

    /** Rewrites the file (atomically) without the records whose step is greater than {@code step}. */
    public static void truncateAfter(Path file, long step) throws IOException {
        if (!Files.exists(file)) return;
        StringBuilder kept = new StringBuilder();
        for (Map<String, Object> r : records(file)) {
            if (r.get("step") instanceof Long s && s <= step) kept.append(Json.write(r)).append('\n');
        }
        AtomicFiles.writeString(file, kept.toString());
    }
}
