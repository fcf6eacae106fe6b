package org.moe4j.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.moe4j.templates.jinja.RaisedException;

/**
 * Every conversation rendered by transformers (chat_cases.json and more_chat_cases.json from the
 * shared cases, generated_chat_cases.json from scripts/gen_chat_template_cases.py) renders byte for
 * byte the same here; the cases where the template raises give the template's own message.
 */
class ChatTemplateConformanceTest {
    private static final List<String> FILES = List.of("chat_cases.json", "more_chat_cases.json", "generated_chat_cases.json");
    private final Map<String, ChatTemplate> loaded = new HashMap<>();

    private ChatTemplate template(String key) {
        return loaded.computeIfAbsent(key, k -> {
            String now = (String) Fixtures.json("generated_chat_cases.json").get("strftime_now");
            Clock fixed = Clock.fixed(LocalDateTime.parse(now).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
            return ChatTemplate.load(Fixtures.chatDir().resolve(k)).withClock(fixed);
        });
    }

    @SuppressWarnings("unchecked")
    private String render(Map<String, Object> c) {
        return template((String) c.get("tokenizer")).render((List<Object>) c.get("messages"),
                (List<Map<String, Object>>) c.get("tools"), (Boolean) c.get("add_generation_prompt"),
                (Map<String, Object>) c.get("kwargs"));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRendersExactly() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : FILES) {
            for (Map<String, Object> c : Fixtures.cases(file)) {
                String name = file + ": " + c.get("tokenizer") + "/" + c.get("case");
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    if (c.containsKey("error")) {
                        RaisedException e = assertThrows(RaisedException.class, () -> render(c));
                        assertEquals(c.get("error"), e.getMessage());
                    } else {
                        assertEquals(c.get("rendered"), render(c));
                    }
                }));
            }
        }
        return tests.stream();
    }

    /** The count of exact renders per template, which docs/text-and-data.md reports. */
    @Test
    void countsPerTemplate() {
        Map<String, int[]> counts = new TreeMap<>();
        for (String file : FILES) {
            for (Map<String, Object> c : Fixtures.cases(file)) {
                int[] n = counts.computeIfAbsent((String) c.get("tokenizer"), k -> new int[2]);
                n[1]++;
                try {
                    String out = render(c);
                    if (!c.containsKey("error") && out.equals(c.get("rendered"))) {
                        n[0]++;
                    }
                } catch (RaisedException e) {
                    if (e.getMessage().equals(c.get("error"))) {
                        n[0]++;
                    }
                }
            }
        }
        counts.forEach((k, n) -> System.out.println("chat template " + k + ": " + n[0] + " of " + n[1] + " exact"));
        assertEquals(List.of("deepseek_v3", "gptoss", "multi", "qwen3"), new ArrayList<>(counts.keySet()));
        counts.forEach((k, n) -> assertEquals(n[1], n[0], k + ": exact renders"));
        assertTrue(counts.get("gptoss")[1] >= 13, "gpt-oss cases present");
    }
}
