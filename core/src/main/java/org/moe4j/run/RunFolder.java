package org.moe4j.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
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
 *
 * <p>It sits below {@code train} (which writes runs) and {@code infer} (which loads them), so
 * neither has to import the other. The training config is the train layer's business: here it is
 * the "training" JSON object of run.json, kept as parsed, for train to read into its own config.
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

    /**
     * What run.json holds.
     *
     * @param training the "training" JSON object as written or parsed (keys in order, values as
     *                 {@link Json} gives them); train turns it into its training config
     */
    public record Description(TransformerConfig model, Map<String, Object> training, String corpus) {
        public Description {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(corpus, "corpus");
            training = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(training, "training")));
        }
    }

    public void writeDescription(Description d) throws IOException {
        Files.createDirectories(path);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("model", d.model().toJson());
        m.put("training", d.training());
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
        TransformerConfig model = TransformerConfig.fromJson(m.get("model"));
        return new Description(model, trainingObject(m.get("training")), JsonFields.string(m, "corpus", runFile().toString()));
    }

    /** The "training" member as a JSON object; its fields are checked by the train layer when it reads them. */
    private static Map<String, Object> trainingObject(Object json) {
        if (!(json instanceof Map<?, ?> t)) throw new IllegalArgumentException("training config must be a JSON object");
        Map<String, Object> m = new LinkedHashMap<>();
        t.forEach((k, v) -> m.put((String) k, v));
        return m;
    }
}
