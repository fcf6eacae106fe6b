package org.moe4j.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict JSON (RFC 8259) to and from plain Java values, for safetensors headers, configs and metrics.
 *
 * <p>Values: {@code Map<String, Object>} (insertion order kept), {@code List<Object>}, {@code String},
 * {@code Long} (integers without fraction or exponent that fit in a long), {@code Double} (every other
 * number), {@code Boolean} and {@code null}. The parser rejects what RFC 8259 does not allow (trailing
 * commas, comments, leading zeros, NaN, single quotes, unescaped control characters, trailing text),
 * duplicate keys, lone surrogates (escaped or raw), nesting deeper than {@link #MAX_DEPTH}, and,
 * when reading bytes, anything that is not well-formed UTF-8. Errors are {@link JsonException}s
 * naming the line:column and what was expected.
 *
 * <p>The writer emits keys in the map's iteration order, doubles with {@link Double#toString} and
 * floats with {@link Float#toString} (shortest decimal that parses back to the same value), and
 * refuses NaN, infinities and strings with lone surrogates, which JSON in UTF-8 cannot carry.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted; deeper input fails instead of overflowing the stack. */
    public static final int MAX_DEPTH = 512;

    private Json() {}

    /** Parses one JSON value filling the whole text. */
    public static Object parse(String text) {
        return new JsonParser(text).parseDocument();
    }

    /** Parses UTF-8 bytes holding one JSON value; malformed UTF-8 fails naming the byte offset. */
    public static Object parse(byte[] utf8) {
        return parse(decodeStrictUtf8(utf8));
    }

    /** Compact JSON: no whitespace. */
    public static String write(Object value) {
        return new JsonWriter(false).write(value);
    }

    /** Pretty JSON: two-space indent, one member per line, arrays of scalars on one line; no final newline. */
    public static String writePretty(Object value) {
        return new JsonWriter(true).write(value);
    }

    /** {@code s} as a JSON string literal, with quotes. */
    public static String quote(String s) {
        return new JsonWriter(false).write(s);
    }

    /**
     * A string from an untrusted source made safe for a one-line error message: JSON-quoted (so
     * newlines and control characters show as escapes) and cut after 80 characters.
     */
    public static String quoteForMessage(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        int n = Math.min(s.length(), 80);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
        if (s.length() > n) {
            sb.append("... (").append(s.length()).append(" characters)");
        }
        return sb.toString();
    }

    static String decodeStrictUtf8(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        // UTF-8 never needs more chars than bytes
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new JsonException("JSON text is not valid UTF-8: malformed sequence at byte offset " + at
                    + " (byte 0x" + String.format("%02X", bytes[at] & 0xff) + ")", 0, 0);
        }
        return out.flip().toString();
    }
}
