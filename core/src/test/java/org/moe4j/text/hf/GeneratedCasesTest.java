package org.moe4j.text.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.data.BundledText;
import org.moe4j.io.Json;

/**
 * generated_cases.json.gz (scripts/make_hf_tokenizer_fixtures.py, from the Python tokenizers
 * library): all of Moby-Dick, random Unicode and streaming decode steps for the three real
 * tokenizers, the Split pre-tokenizer's pieces for the families' regexes and for patterns that probe
 * the Oniguruma to java.util.regex translation, and small tokenizers built with the library for the
 * components the real ones do not use.
 */
@Tag("slow")
class GeneratedCasesTest {
    private static Map<String, Object> root;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws IOException {
        try (var in = new GZIPInputStream(Files.newInputStream(Fixtures.resource("generated_cases.json.gz")))) {
            root = (Map<String, Object>) Json.parse(in.readAllBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gptoss", "deepseek_v3"})
    @SuppressWarnings("unchecked")
    void mobyDickEncodesToTheLibrarysIds(String key) throws Exception {
        Map<String, Object> expected = (Map<String, Object>) ((Map<String, Object>) root.get("moby_dick")).get(key);
        String text = new String(BundledText.mobyDickBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int[] ids = Fixtures.tokenizer(key).encode(text);
        assertEquals((long) (Long) expected.get("count"), ids.length);
        assertEquals(expected.get("sha256"), sha256(ids));
    }

    static String sha256(int[] ids) throws NoSuchAlgorithmException {
        ByteBuffer buf = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            buf.putInt(id);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void randomUnicodeMatchesTheLibrary() {
        List<String> failures = new ArrayList<>();
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("random");
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            for (String key : Fixtures.KEYS) {
                int[] expected = Fixtures.ints(((Map<String, Object>) c.get("ids")).get(key));
                int[] actual = Fixtures.tokenizer(key).encode(text);
                if (!Arrays.equals(expected, actual)) {
                    failures.add(key + " " + Json.quoteForMessage(text) + ": expected " + Arrays.toString(expected) + " got "
                            + Arrays.toString(actual));
                }
                String decoded = Fixtures.tokenizer(key).decode(expected);
                if (!decoded.equals(((Map<String, Object>) c.get("decoded")).get(key))) {
                    failures.add(key + " decode " + Json.quoteForMessage(text) + " got " + Json.quoteForMessage(decoded));
                }
            }
        }
        assertEquals(84, cases.size());
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    @Test
    @SuppressWarnings("unchecked")
    void specialTokenTextReadAsTextGivesTheLibrarysIds() {
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("plain");
        int differ = 0;
        for (Map<String, Object> c : cases) {
            String text = (String) c.get("text");
            for (String key : Fixtures.KEYS) {
                HfTokenizer tok = Fixtures.tokenizer(key);
                int[] expected = Fixtures.ints(((Map<String, Object>) c.get("ids")).get(key));
                assertEquals(Arrays.toString(expected), Arrays.toString(tok.encodeSpecialTokensAsText(text)), key + " " + text);
                int[] matched = Fixtures.ints(((Map<String, Object>) c.get("ids_matched")).get(key));
                assertEquals(Arrays.toString(matched), Arrays.toString(tok.encode(text)), key + " " + text);
                differ += Arrays.equals(expected, matched) ? 0 : 1;
            }
        }
        assertEquals(7, cases.size());
        assertTrue(differ >= 5, "special tokens read as text change the library's ids of only " + differ + " encodings");
    }

    @Test
    @SuppressWarnings("unchecked")
    void decodingRandomIdsGivesTheLibrarysTextEvenForBrokenUtf8() {
        List<String> failures = new ArrayList<>();
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("decode");
        int replaced = 0;
        for (Map<String, Object> c : cases) {
            HfTokenizer tok = Fixtures.tokenizer((String) c.get("key"));
            int[] ids = Fixtures.ints(c.get("ids"));
            String plain = tok.decode(ids, false), skipped = tok.decode(ids, true);
            if (!plain.equals(c.get("decoded")) || !skipped.equals(c.get("decoded_skip"))) {
                failures.add(c.get("key") + " " + Arrays.toString(ids) + ": expected " + Json.quoteForMessage((String) c.get("decoded"))
                        + " / " + Json.quoteForMessage((String) c.get("decoded_skip")) + " got " + Json.quoteForMessage(plain) + " / "
                        + Json.quoteForMessage(skipped));
            }
            replaced += plain.contains("\uFFFD") ? 1 : 0;
        }
        assertEquals(900, cases.size());
        assertTrue(replaced > 300, "cases with replacement characters: " + replaced);
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    @Test
    @SuppressWarnings("unchecked")
    void streamingDecodeReturnsWhatTheLibrarysDecodeStreamReturns() {
        int steps = 0;
        for (Map<String, Object> c : (List<Map<String, Object>>) root.get("stream")) {
            for (String key : Fixtures.KEYS) {
                int[] ids = Fixtures.ints(((Map<String, Object>) c.get("ids")).get(key));
                List<Object> expected = (List<Object>) ((Map<String, Object>) c.get("steps")).get(key);
                StreamingDecoder stream = Fixtures.tokenizer(key).streamingDecoder(false);
                List<String> actual = new ArrayList<>();
                StringBuilder all = new StringBuilder();
                for (int id : ids) {
                    String piece = stream.add(id);
                    actual.add(piece);
                    all.append(piece);
                    assertTrue(!piece.contains("\uFFFD"), key + ": a broken character was emitted for " + c.get("text"));
                }
                all.append(stream.flush());
                assertEquals(expected, actual, key + " " + c.get("text"));
                assertEquals(c.get("text"), all.toString());
                steps += ids.length;
            }
        }
        assertTrue(steps > 100, "steps " + steps);
    }

    @Test
    @SuppressWarnings("unchecked")
    void splitPiecesMatchTheLibraryForEveryRegexAndBehaviour() {
        List<String> failures = new ArrayList<>();
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("regex");
        Map<String, OnigRegex> compiled = new java.util.HashMap<>();
        java.util.Set<String> refused = new java.util.TreeSet<>();
        for (Map<String, Object> c : cases) {
            String pattern = (String) c.get("pattern");
            if (pattern.contains("straße")) {
                // Oniguruma folds ß to ss; java.util.regex cannot, so the translation refuses the pattern
                try {
                    OnigRegex.compile(pattern, "test");
                } catch (TokenizerFormatException e) {
                    refused.add(pattern + ": " + e.getMessage());
                }
                continue;
            }
            OnigRegex regex = compiled.computeIfAbsent(pattern, p -> OnigRegex.compile(p, "test"));
            SplitBehavior behavior = SplitBehavior.valueOf((String) c.get("behavior"));
            RegexSplit split = new RegexSplit(regex, behavior, (Boolean) c.get("invert"));
            List<String> pieces = new ArrayList<>();
            split.split((String) c.get("text"), true, (piece, atStart) -> pieces.add(piece));
            if (!pieces.equals(c.get("pieces"))) {
                failures.add(Json.quoteForMessage(pattern) + " " + behavior + (Boolean.TRUE.equals(c.get("invert")) ? " inverted" : "")
                        + " on " + Json.quoteForMessage((String) c.get("text")) + ": expected " + c.get("pieces") + " got " + pieces);
            }
        }
        assertTrue(cases.size() > 2500, "cases " + cases.size());
        assertEquals(java.util.Set.of("(?i)straße|'s: test: the regular expression \"(?i)straße|'s\" uses \"ß\" in a"
                + " case-insensitive pattern (Oniguruma folds it to several characters, java.util.regex does not), which moe4j"
                + " does not translate to java.util.regex"), refused);
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    @Test
    @SuppressWarnings("unchecked")
    void syntheticTokenizersMatchTheLibrary() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Map<String, Object> spec : (List<Map<String, Object>>) root.get("synthetic")) {
            String name = (String) spec.get("name");
            HfTokenizer tok = HfTokenizer.fromJson(Json.write(spec.get("tokenizer")));
            List<Map<String, Object>> cases = (List<Map<String, Object>>) spec.get("cases");
            List<Object> streams = (List<Object>) spec.get("stream_steps");
            for (int i = 0; i < cases.size(); i++) {
                Map<String, Object> c = cases.get(i);
                String text = (String) c.get("text");
                String where = name + " " + Json.quoteForMessage(text);
                int[] ids = Fixtures.ints(c.get("ids"));
                int[] idsSpecial = Fixtures.ints(c.get("ids_special"));
                check(failures, where + " ids", Arrays.toString(ids), Arrays.toString(tok.encode(text)));
                check(failures, where + " ids with special tokens", Arrays.toString(idsSpecial), Arrays.toString(tok.encode(text, true)));
                check(failures, where + " tokens", c.get("tokens"), tok.tokens(text));
                if (c.get("decoded") != null) {
                    check(failures, where + " decoded", c.get("decoded"), tok.decode(ids));
                    check(failures, where + " decoded with specials", c.get("decoded_special"), tok.decode(idsSpecial, false));
                    check(failures, where + " decoded skipping specials", c.get("decoded_special_skip"), tok.decode(idsSpecial, true));
                }
                if (streams.get(i) != null) {
                    StreamingDecoder stream = tok.streamingDecoder(false);
                    List<String> steps = new ArrayList<>();
                    for (int id : ids) {
                        steps.add(stream.add(id));
                    }
                    check(failures, where + " stream steps", streams.get(i), steps);
                }
                compared++;
            }
        }
        assertTrue(compared >= 7 * 26, "compared " + compared);
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }

    private static void check(List<String> failures, String what, Object expected, Object actual) {
        if (!expected.equals(actual)) {
            failures.add(what + ": expected " + expected + " got " + actual);
        }
    }
}
