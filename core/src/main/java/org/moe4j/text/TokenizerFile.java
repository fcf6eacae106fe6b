package org.moe4j.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;

/**
 * The tokenizer file of a run folder: pretty JSON with an envelope
 * {@code {"format": "moe4j-tokenizer", "version": 1, "kind": "byte" | "char" | "bpe", ...}} followed
 * by the kind's own fields ({@link Tokenizer#toJson()}). Written atomically; reading a file that is
 * not JSON, of another format, of a newer version, of an unknown kind or with bad fields fails with a
 * {@link FileFormatException} naming the file and the problem.
 */
public final class TokenizerFile {
    public static final String FORMAT = "moe4j-tokenizer";
    public static final long VERSION = 1;

    private TokenizerFile() {}

    public static void save(Tokenizer tokenizer, Path file) throws IOException {
        AtomicFiles.writeString(file, Json.writePretty(envelope(tokenizer)) + "\n");
    }

    public static Tokenizer load(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer file not found");
        }
        Object parsed;
        try {
            parsed = Json.parse(bytes);
        } catch (JsonException e) {
            throw new FileFormatException("tokenizer file " + file + " is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new FileFormatException("tokenizer file " + file + ": expected a JSON object, found " + typeName(parsed));
        }
        Object format = map.get("format");
        if (format == null && map.containsKey("model") && map.containsKey("added_tokens")) {
            throw new FileFormatException("tokenizer file " + file + " is a Hugging Face tokenizer.json, not a moe4j tokenizer"
                    + " file: read it with HfTokenizer.load (package org.moe4j.text.hf)");
        }
        if (!FORMAT.equals(format)) {
            throw new FileFormatException("tokenizer file " + file + ": format is " + describe(format)
                    + ", expected \"" + FORMAT + "\" (is this a tokenizer file?)");
        }
        Object version = map.get("version");
        if (!(version instanceof Long v) || v < 1 || v > VERSION) {
            throw new FileFormatException("tokenizer file " + file + ": version is " + describe(version)
                    + ", this moe4j reads version " + VERSION);
        }
        Object kind = map.get("kind");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) map;
        try {
            return switch (kind instanceof String s ? s : "") {
                case ByteTokenizer.KIND -> ByteTokenizer.fromJson(fields);
                case CharTokenizer.KIND -> CharTokenizer.fromJson(fields);
                case BytePairEncoding.KIND -> BytePairEncoding.fromJson(fields);
                default -> throw new IllegalArgumentException("kind is " + describe(kind) + ", expected one of \""
                        + ByteTokenizer.KIND + "\", \"" + CharTokenizer.KIND + "\", \"" + BytePairEncoding.KIND + "\"");
            };
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new FileFormatException("tokenizer file " + file + ": " + e.getMessage());
        }
    }

    /** FNV-1a (64-bit) over the UTF-8 of the compact JSON of kind and fields. */
    static long fingerprint(Tokenizer tokenizer) {
        long h = 0xcbf29ce484222325L;
        for (byte b : Json.write(envelope(tokenizer)).getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    private static Map<String, Object> envelope(Tokenizer tokenizer) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("format", FORMAT);
        out.put("version", VERSION);
        out.put("kind", tokenizer.kind());
        out.putAll(tokenizer.toJson());
        return out;
    }

    /** The list under {@code key}; the message names the field. */
    static List<?> list(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException("field \"" + key + "\" is " + describe(v) + ", expected an array");
        }
        return l;
    }

    /** Element {@code i} of {@code list} as an int in {@code [min, max]}; the message names field and index. */
    static int intIn(List<?> list, int i, String field, long min, long max) {
        Object v = list.get(i);
        if (!(v instanceof Long n) || n < min || n > max) {
            throw new IllegalArgumentException("field \"" + field + "\"[" + i + "] is " + describe(v)
                    + ", expected an integer in [" + min + ", " + max + "]");
        }
        return (int) (long) n;
    }

    /** The strings under {@code key} (missing means none). */
    static List<String> strings(Map<String, Object> json, String key) {
        if (!json.containsKey(key)) {
            return List.of();
        }
        List<?> l = list(json, key);
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String)) {
                throw new IllegalArgumentException("field \"" + key + "\"[" + i + "] is " + describe(l.get(i)) + ", expected a string");
            }
        }
        @SuppressWarnings("unchecked")
        List<String> strings = (List<String>) l;
        return strings;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "missing";
        }
        if (v instanceof String s) {
            return Json.quoteForMessage(s);
        }
        if (v instanceof Long || v instanceof Double || v instanceof Boolean) {
            return v.toString();
        }
        return "a JSON " + typeName(v);
    }

    private static String typeName(Object v) {
        return v instanceof Map ? "object" : v instanceof List ? "array" : v instanceof String ? "string"
                : v instanceof Boolean ? "boolean" : v == null ? "null" : "number";
    }
}
