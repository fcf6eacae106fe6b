package org.moe4j.templates.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.moe4j.io.Json;

/** Small templates, one Jinja feature each, render as transformers' own Jinja2 environment renders them. */
class EngineConformanceTest {
    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> everyEngineCaseRendersExactly() throws IOException, URISyntaxException {
        Path file = Path.of(getClass().getResource("/chat/engine_cases.json").toURI());
        Map<?, ?> root = (Map<?, ?>) Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        // the instant the script fixed transformers' clock at, for strftime_now
        Clock clock = Clock.fixed(LocalDateTime.parse((String) root.get("strftime_now")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        return cases.stream().map(c -> DynamicTest.dynamicTest((String) c.get("template"), () ->
                assertEquals(c.get("rendered"),
                        Template.compile((String) c.get("template")).render((Map<String, Object>) c.get("context"), clock))));
    }
}
