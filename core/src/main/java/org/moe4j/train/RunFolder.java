package org.moe4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.Json;
import org.moe4j.io.JsonFields;
import org.moe4j.model.TransformerConfig;

/**
 * The folder of one language-model run:
 * <pre>
 *   run.json          format, version, model config, training config, corpus
 *   tokenizer.json    the tokenizer
 *   tokens.bin        the tokenised corpus (a cache, rebuilt when missing or stale)
 *   checkpoint/       weights, optimizer state, step and generators (written atomically)
 *   metrics.jsonl     one JSON object per logged step
 *   report/           plots and an HTML page
 * </pre>
 */
public record RunFolder(Path path) {
    public static final String FORMAT = "moe4j-run";
    public static final long VERSION = 1;

    public Path runFile() {
        return path.resolve("run.json");
    }

    public Path tokenizerFile() {
        return path.resolve("tokenizer.json");
    }

    public Path tokenFile() {
        return path.resolve("tokens.bin");
    }

    public Path checkpoint() {
        return path.resolve("checkpoint");
    }

    public Path metrics() {
        return path.resolve("metrics.jsonl");
    }

    public Path report() {
        return path.resolve("report");
    }

    /** What run.json holds. */
    public record Description(TransformerConfig model, LanguageModelTrainingConfig training, String corpus) {}

    public void writeDescription(Description d) throws IOException {
        Files.createDirectories(path);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("model", d.model().toJson());
        m.put("training", d.training().toJson());
        m.put("corpus", d.corpus());
        AtomicFiles.writeString(runFile(), Json.writePretty(m) + "\n");
    }

    /** Reads run.json, failing clearly when the folder is not a run or comes from an incompatible version. */
    public Description readDescription() throws IOException {
        if (!Files.isRegularFile(runFile())) {
            throw new IllegalArgumentException(path + " is not a moe4j run folder (it has no run.json)");
        }
        Object json = Json.parse(Files.readAllBytes(runFile()));
        if (!(json instanceof Map<?, ?> m) || !FORMAT.equals(m.get("format"))) {
            throw new IllegalArgumentException(runFile() + " is not a moe4j run description (\"format\" must be \"" + FORMAT + "\")");
        }
        long version = JsonFields.longValue(m, "version", runFile().toString());
        if (version != VERSION) {
            throw new IllegalArgumentException(runFile() + " has version " + version + ", this moe4j reads version " + VERSION
                    + ": the run comes from an incompatible moe4j");
        }
        return new Description(TransformerConfig.fromJson(m.get("model")), LanguageModelTrainingConfig.fromJson(m.get("training")),
                JsonFields.string(m, "corpus", runFile().toString()));
    }
}
