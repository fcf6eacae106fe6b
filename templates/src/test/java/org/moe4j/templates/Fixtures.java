package org.moe4j.templates;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;

/** Reads the test resources under chat/ (see chat/README.md for where they come from). */
final class Fixtures {
    private Fixtures() {}

    static Path chatDir() {
        try {
            return Path.of(Fixtures.class.getResource("/chat/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<?, ?> json(String name) {
        try {
            return (Map<?, ?>) Json.parse(Files.readString(chatDir().resolve(name), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases(String name) {
        return (List<Map<String, Object>>) json(name).get("cases");
    }
}
