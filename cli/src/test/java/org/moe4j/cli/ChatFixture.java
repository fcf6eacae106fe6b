package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.moe4j.io.Json;

/**
 * Model folders for the chat's tests: a tiny run (one training step) exported as a Hugging Face folder,
 * with a chat template of our own added to its tokenizer_config.json. The run's tokenizer is characters
 * of Moby-Dick, so the template marks turns with characters it has ({@code [user]}, {@code [end]}) rather
 * than ChatML's {@code <|im_start|>}. The export holds 64 positions (the run's context); the folders say
 * 16,384 so that a conversation of several turns fits: RoPE has no table to outgrow, so the weights are
 * the same, only the text past 64 positions is (even) less sensible.
 */
public final class ChatFixture {
    /** ChatML's shape in characters the tokenizer has. */
    public static final String TEMPLATE = """
            {%- for m in messages -%}
            [{{ m.role }}]
            {{ m.content }}
            [end]
            {% endfor -%}
            {%- if add_generation_prompt -%}
            [assistant]
            {% endif -%}""";

    private ChatFixture() {}

    /** Trains and exports the tiny run into {@code dir/base} and returns that folder, with {@link #TEMPLATE} and no end-of-sequence id. */
    public static Path model(Path dir) throws IOException {
        Path run = dir.resolve("run");
        StdoutRun t = StdoutRun.trainTinyRun(run.toString());
        assertEquals(0, t.exitCode(), t.err());
        Path base = dir.resolve("base");
        StdoutRun e = StdoutRun.of("export", run.toString(), "--out", base.toString());
        assertEquals(0, e.exitCode(), e.err());
        edit(base.resolve("config.json"), c -> c.put("max_position_embeddings", 16384L));
        edit(base.resolve("tokenizer_config.json"), c -> c.put("chat_template", TEMPLATE));
        return base;
    }

    /** A copy of folder {@code from} at {@code to}, with {@code change} applied to its JSON file {@code file}. */
    public static Path variant(Path from, Path to, String file, Consumer<Map<String, Object>> change) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        edit(to.resolve(file), change);
        return to;
    }

    @SuppressWarnings("unchecked")
    static void edit(Path json, Consumer<Map<String, Object>> change) throws IOException {
        Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
        change.accept(m);
        Files.writeString(json, Json.writePretty(m) + "\n", StandardCharsets.UTF_8);
    }
}
