package org.moe4j.text.hf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.io.Json;

/**
 * Every case of cases.json and more_cases.json (ids, decoded text and token strings made by the
 * Python {@code tokenizers} library 0.23.2) against the three real tokenizers: every id must match,
 * decode(ids) must give the library's text, and where the library round-trips, so must we.
 */
class ConformanceTest {
    @ParameterizedTest
    @ValueSource(strings = {"cases.json", "more_cases.json"})
    @SuppressWarnings("unchecked")
    void everyIdAndDecodedTextMatchesTheLibrary(String file) {
        List<String> failures = new ArrayList<>();
        int checkedIds = 0, checkedCases = 0;
        for (Map<String, Object> c : Fixtures.cases(file)) {
            String text = (String) c.get("text");
            Map<String, Object> ids = (Map<String, Object>) c.get("ids");
            Map<String, Object> decoded = (Map<String, Object>) c.get("decoded");
            Map<String, Object> tokens = (Map<String, Object>) c.get("tokens");
            Map<String, Object> roundtrip = (Map<String, Object>) c.get("roundtrip_exact");
            for (String key : Fixtures.KEYS) {
                HfTokenizer tok = Fixtures.tokenizer(key);
                int[] expected = Fixtures.ints(ids.get(key));
                int[] actual = tok.encode(text);
                checkedCases++;
                checkedIds += expected.length;
                if (!java.util.Arrays.equals(expected, actual)) {
                    failures.add(key + " ids of " + Json.quoteForMessage(text) + ": expected " + java.util.Arrays.toString(expected)
                            + " got " + java.util.Arrays.toString(actual));
                }
                String decodedText = tok.decode(expected);
                if (!decodedText.equals(decoded.get(key))) {
                    failures.add(key + " decode of " + Json.quoteForMessage(text) + ": expected "
                            + Json.quoteForMessage((String) decoded.get(key)) + " got " + Json.quoteForMessage(decodedText));
                }
                if (tokens != null && !tokens.get(key).equals(tok.tokens(text))) {
                    failures.add(key + " tokens of " + Json.quoteForMessage(text) + ": expected " + tokens.get(key) + " got " + tok.tokens(text));
                }
                if (roundtrip != null && Boolean.TRUE.equals(roundtrip.get(key)) && !decodedText.equals(text)) {
                    failures.add(key + " round trip of " + Json.quoteForMessage(text));
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
        assertTrue(checkedCases >= 3 * 29 && checkedIds > 1000, "cases " + checkedCases + ", ids " + checkedIds);
    }
}
