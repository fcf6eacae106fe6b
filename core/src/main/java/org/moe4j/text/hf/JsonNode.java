package org.moe4j.text.hf;

import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;

/**
 * A value of a parsed tokenizer.json with its path in the file ({@code pre_tokenizer.pretokenizers[1].type}),
 * so every complaint about the file names the place it is about. Typed getters fail with a
 * {@link TokenizerFormatException} naming the path, the value found and what was expected.
 */
record JsonNode(Object value, String path) {
    static JsonNode root(Object value) {
        return new JsonNode(value, "");
    }

    /** Member {@code key} of this object (its value is null when absent or JSON null). */
    JsonNode get(String key) {
        return new JsonNode(object().get(key), path.isEmpty() ? key : path + "." + key);
    }

    boolean has(String key) {
        return object().get(key) != null;
    }

    boolean isNull() {
        return value == null;
    }

    Map<String, Object> object() {
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) map;
            return m;
        }
        throw error("expected an object");
    }

    /** The elements of this array, each with its indexed path. */
    List<JsonNode> elements() {
        if (!(value instanceof List<?> list)) {
            throw error("expected an array");
        }
        JsonNode[] out = new JsonNode[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new JsonNode(list.get(i), path + "[" + i + "]");
        }
        return List.of(out);
    }

    int size() {
        if (value instanceof List<?> list) {
            return list.size();
        }
        throw error("expected an array");
    }

    String string() {
        if (value instanceof String s) {
            return s;
        }
        throw error("expected a string");
    }

    /** This string, or {@code fallback} when the value is null or absent. */
    String stringOr(String fallback) {
        return value == null ? fallback : string();
    }

    boolean bool() {
        if (value instanceof Boolean b) {
            return b;
        }
        throw error("expected true or false");
    }

    boolean boolOr(boolean fallback) {
        return value == null ? fallback : bool();
    }

    /** An integer in {@code [min, max]}. */
    long integer(long min, long max) {
        if (value instanceof Long n && n >= min && n <= max) {
            return n;
        }
        throw error("expected an integer in [" + min + ", " + max + "]");
    }

    /** A string of exactly one code point (Rust's {@code char}). */
    int codePoint() {
        String s = string();
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw error("expected a single character");
        }
        return s.codePointAt(0);
    }

    /** The {@code type} member, refused unless it is one of {@code supported}. */
    String type(List<String> supported) {
        JsonNode type = get("type");
        String t = type.value instanceof String s ? s : null;
        if (t == null || !supported.contains(t)) {
            throw new TokenizerFormatException(type.path + " is " + describe(type.value) + ", which moe4j does not support;"
                    + " supported: " + String.join(", ", supported));
        }
        return t;
    }

    TokenizerFormatException error(String expected) {
        return new TokenizerFormatException((path.isEmpty() ? "the file" : path) + " is " + describe(value) + ", " + expected);
    }

    static String describe(Object v) {
        if (v == null) {
            return "missing or null";
        }
        if (v instanceof String s) {
            return Json.quoteForMessage(s);
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        return v.toString();
    }
}
