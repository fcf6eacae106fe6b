package org.moe4j.text.hf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.moe4j.io.Json;

/** The real tokenizers and case files under src/test/resources/org/moe4j/text/hf (see the README there), loaded once. */
final class Fixtures {
    /** The three tokenizers of the conformance cases, by the key the cases use. */
    static final List<String> KEYS = List.of("qwen3", "gptoss", "deepseek_v3");
    private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

    private Fixtures() {}

    static Path resource(String name) {
        try {
            var url = Fixtures.class.getResource(name);
            if (url == null) {
                throw new IllegalStateException("test resource org/moe4j/text/hf/" + name + " is missing");
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The tokenizer of package {@code key} (its folder holds tokenizer.json.gz and tokenizer_config.json). */
    static HfTokenizer tokenizer(String key) {
        return LOADED.computeIfAbsent(key, k -> {
            try {
                return HfTokenizer.load(resource(k));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The "cases" array of a case file. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases(String file) {
        try {
            Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readAllBytes(resource(file)));
            return (List<Map<String, Object>>) root.get("cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Object jsonArray) {
        return ((List<?>) jsonArray).stream().mapToInt(v -> (int) (long) (Long) v).toArray();
    }
}
