package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class JsonTest {
    @Test
    void parsesEveryKindOfValue() {
        Object v = Json.parse(" {\"b\": [1, -2.5, 3e2, true, false, null], \"a\": \"x\\u00e9\\n\\ud83d\\ude00\", \"n\": -0} ");
        Map<?, ?> m = assertInstanceOf(Map.class, v);
        assertEquals(List.of("b", "a", "n"), new ArrayList<>(m.keySet()), "insertion order");
        assertEquals(Arrays.asList(1L, -2.5, 300.0, true, false, null), m.get("b"));
        assertEquals("xé\n😀", m.get("a"));
        assertEquals(0L, m.get("n"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(9.223372036854775808E18, Json.parse("9223372036854775808"), "beyond long becomes double");
    }

    @Test
    void errorsNameLineColumnAndWhatWasExpected() {
        assertError("{\"a\": 1,}", "1:9", "expected a string key, found '}'");
        assertError("[1, 2", "1:6", "expected ',' or ']' in an array, found end of input");
        assertError("{\n  \"a\" 1}", "2:7", "expected ':', found '1'");
        assertError("{\"a\": 1} x", "1:10", "expected end of input");
        assertError("", "1:1", "expected a value, found end of input");
        assertError("01", "1:2", "leading zeros");
        assertError("1.", "1:3", "expected a digit after the decimal point");
        assertError("-", "1:2", "expected a digit");
        assertError("1e", "1:3", "expected a digit in the exponent");
        assertError("+1", "1:1", "expected a value");
        assertError("NaN", "1:1", "expected a value");
        assertError("tru", "1:1", "expected true");
        assertError("\"a\nb\"", "1:3", "control character U+000A must be escaped");
        assertError("\"abc", "1:1", "unterminated string");
        assertError("\"\\x\"", "1:2", "invalid escape: backslash followed by 'x'");
        assertError("\"\\u12G4\"", "1:6", "4 hex digits");
        assertError("{\"a\": 1, \"a\": 2}", "1:10", "duplicate key \"a\"");
        assertError("1e400", "1:1", "beyond the double range");
        assertError("\uFEFF{}", "1:1", "U+FEFF");
        assertError("[1]\u0000", "1:4", "U+0000");
    }

    @Test
    void loneSurrogatesAreRejectedWhenParsingAndWriting() {
        assertError("\"\\ud800\"", "1:2", "lone surrogate \\uD800");
        assertError("\"\\ud800\\u0041\"", "1:2", "lone surrogate \\uD800");
        assertError("\"\\udc00\"", "1:2", "lone surrogate \\uDC00");
        assertError("\"a\ud800b\"", "1:3", "lone surrogate U+D800");
        assertError("\"\udc00\"", "1:2", "lone surrogate U+DC00");
        var e = assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of("k", "x\ud800")));
        assertTrue(e.getMessage().contains("$.k") && e.getMessage().contains("U+D800"), e.getMessage());
    }

    @Test
    void deepNestingFailsCleanlyInsteadOfOverflowingTheStack() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertInstanceOf(List.class, Json.parse(ok));
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertError(deep, "1:" + (Json.MAX_DEPTH + 1), "nesting deeper than " + Json.MAX_DEPTH);
        assertError("{\"a\":".repeat(1_000_000), "1:", "nesting deeper than");
    }

    @Test
    void bytesMustBeWellFormedUtf8() {
        assertEquals("é", Json.parse("\"é\"".getBytes(StandardCharsets.UTF_8)));
        byte[][] bad = {
                {'"', (byte) 0xC3, '"'},                     // truncated 2-byte sequence
                {'"', (byte) 0xC0, (byte) 0xAF, '"'},         // overlong '/'
                {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, // UTF-8 encoded surrogate U+D800
                {'"', (byte) 0xFF, '"'},
        };
        for (byte[] b : bad) {
            var e = assertThrows(JsonException.class, () -> Json.parse(b));
            assertTrue(e.getMessage().contains("not valid UTF-8") && e.getMessage().contains("byte offset 1"),
                    e.getMessage());
        }
    }

    @Test
    void writesCompactAndPrettyInGivenKeyOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of(1.5, "t\"\\\n\u0001"));
        m.put("e", Map.of());
        m.put("n", null);
        m.put("o", List.of(Map.of("k", true)));
        assertEquals("{\"z\":1,\"a\":[1.5,\"t\\\"\\\\\\n\\u0001\"],\"e\":{},\"n\":null,\"o\":[{\"k\":true}]}", Json.write(m));
        assertEquals("""
                {
                  "z": 1,
                  "a": [1.5, "t\\"\\\\\\n\\u0001"],
                  "e": {},
                  "n": null,
                  "o": [
                    {
                      "k": true
                    }
                  ]
                }""", Json.writePretty(m));
        assertEquals(Json.write(m), Json.write(Json.parse(Json.writePretty(m))), "pretty output parses back");
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        var nan = assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(1.0, Double.NaN)));
        assertTrue(nan.getMessage().contains("$[1]") && nan.getMessage().contains("NaN"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.POSITIVE_INFINITY));
        var key = assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertTrue(key.getMessage().contains("keys must be strings"), key.getMessage());
        var type = assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertTrue(type.getMessage().contains("java.lang.Object"), type.getMessage());
    }

    @Test
    void doublesAndFloatsRoundTripBitForBit() {
        Rng rng = new Rng(7);
        for (int i = 0; i < 20_000; i++) {
            double d = Double.longBitsToDouble(rng.nextLong());
            if (Double.isFinite(d)) {
                Object back = Json.parse(Json.write(d));
                assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) back), Json.write(d));
            }
            float f = Float.intBitsToFloat((int) rng.nextLong());
            if (Float.isFinite(f)) {
                float back = ((Double) Json.parse(Json.write(f))).floatValue();
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(back), Json.write(f));
            }
        }
        assertEquals("0.1", Json.write(0.1f), "a float is written as the shortest float decimal");
        long big = -1234567890123456789L;
        assertEquals(big, Json.parse(Json.write(big)));
    }

    @Test
    void randomStringsRoundTrip() {
        Rng rng = new Rng(11);
        for (int i = 0; i < 2_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rng.nextInt(20);
            for (int j = 0; j < n; j++) {
                int cp = switch (rng.nextInt(4)) {
                    case 0 -> rng.nextInt(0x80);
                    case 1 -> rng.nextInt(0xD800);
                    case 2 -> 0xE000 + rng.nextInt(0x2000);
                    default -> 0x10000 + rng.nextInt(0x100000);
                };
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertEquals(s, Json.parse(Json.write(s)));
            assertEquals(s, Json.parse(Json.write(s).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void quoteForMessageKeepsMessagesOnOneShortLine() {
        assertEquals("\"a\\u000ab\"", Json.quoteForMessage("a\nb"));
        String q = Json.quoteForMessage("x".repeat(1000));
        assertTrue(q.endsWith("... (1000 characters)") && q.length() < 120, q);
    }

    private static void assertError(String text, String position, String what) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertTrue(e.getMessage().startsWith("JSON error at " + position), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
