package org.moe4j.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A recursive-descent parser for RFC 8259 JSON; see {@link Json} for the values and rules. */
final class JsonParser {
    private final String text;
    private int pos;

    JsonParser(String text) {
        this.text = text;
    }

    Object parseDocument() {
        Object value = parseValue(0);
        skipWhitespace();
        if (pos < text.length()) {
            throw error(pos, "expected end of input after the JSON value, found " + describe(pos));
        }
        return value;
    }

    private Object parseValue(int depth) {
        skipWhitespace();
        if (pos >= text.length()) {
            throw error(pos, "expected a value, found end of input");
        }
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> parseObject(depth + 1);
            case '[' -> parseArray(depth + 1);
            case '"' -> parseString();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield parseNumber();
                }
                throw error(pos, "expected a value (object, array, string, number, true, false or null), found "
                        + describe(pos));
            }
        };
    }

    private void checkDepth(int depth) {
        if (depth > Json.MAX_DEPTH) {
            throw error(pos, "nesting deeper than " + Json.MAX_DEPTH + " arrays/objects");
        }
    }

    private Map<String, Object> parseObject(int depth) {
        checkDepth(depth);
        pos++;
        Map<String, Object> map = new LinkedHashMap<>();
        skipWhitespace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw error(pos, "expected a string key, found " + describe(pos));
            }
            int keyStart = pos;
            String key = parseString();
            skipWhitespace();
            expect(':');
            Object value = parseValue(depth);
            if (map.containsKey(key)) {
                throw error(keyStart, "duplicate key " + Json.quoteForMessage(key));
            }
            map.put(key, value);
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                throw error(pos - 1, "expected ',' or '}' in an object, found " + describe(pos - 1));
            }
        }
    }

    private List<Object> parseArray(int depth) {
        checkDepth(depth);
        pos++;
        List<Object> list = new ArrayList<>();
        skipWhitespace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            list.add(parseValue(depth));
            skipWhitespace();
            char c = peek();
            pos++;
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                throw error(pos - 1, "expected ',' or ']' in an array, found " + describe(pos - 1));
            }
        }
    }

    private String parseString() {
        int start = pos;
        pos++;
        StringBuilder sb = null;
        int runStart = pos;
        while (true) {
            if (pos >= text.length()) {
                throw error(start, "unterminated string");
            }
            char c = text.charAt(pos);
            if (c == '"') {
                String run = text.substring(runStart, pos);
                pos++;
                return sb == null ? run : sb.append(run).toString();
            }
            if (c == '\\') {
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(text, runStart, pos);
                parseEscape(sb);
                runStart = pos;
            } else if (c < 0x20) {
                throw error(pos, "control character " + describe(pos) + " must be escaped in a string");
            } else if (Character.isHighSurrogate(c)) {
                if (pos + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(pos + 1))) {
                    throw error(pos, "lone surrogate " + describe(pos) + " in a string");
                }
                pos += 2;
            } else if (Character.isLowSurrogate(c)) {
                throw error(pos, "lone surrogate " + describe(pos) + " in a string");
            } else {
                pos++;
            }
        }
    }

    /** Reads the escape at {@code pos} (a backslash) into {@code sb}; a \\u surrogate pair is read whole. */
    private void parseEscape(StringBuilder sb) {
        int at = pos;
        pos++;
        if (pos >= text.length()) {
            throw error(at, "unterminated escape sequence");
        }
        char c = text.charAt(pos++);
        switch (c) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                char unit = hex4(at);
                if (Character.isHighSurrogate(unit)) {
                    int lowAt = pos;
                    if (pos + 1 < text.length() && text.charAt(pos) == '\\' && text.charAt(pos + 1) == 'u') {
                        pos += 2;
                        char low = hex4(lowAt);
                        if (Character.isLowSurrogate(low)) {
                            sb.append(unit).append(low);
                            return;
                        }
                    }
                    throw error(at, String.format("lone surrogate \\u%04X: a high surrogate must be followed by a"
                            + " \\uDC00-\\uDFFF escape", (int) unit));
                }
                if (Character.isLowSurrogate(unit)) {
                    throw error(at, String.format("lone surrogate \\u%04X: a low surrogate must follow a high one",
                            (int) unit));
                }
                sb.append(unit);
            }
            default -> throw error(at, "invalid escape: backslash followed by " + printable(c)
                    + ": allowed \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        }
    }

    private char hex4(int escapeStart) {
        if (pos + 4 > text.length()) {
            throw error(escapeStart, "\\u escape needs 4 hex digits, found end of input");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0 || text.charAt(pos + i) > 'f') {
                throw error(pos + i, "\\u escape needs 4 hex digits, found " + describe(pos + i));
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    /** number = [ minus ] int [ frac ] [ exp ] (RFC 8259 section 6). */
    private Object parseNumber() {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error(pos, "leading zeros are not allowed in a number");
            }
        } else if (isDigit(peek())) {
            skipDigits();
        } else {
            throw error(pos, "expected a digit, found " + describe(pos));
        }
        boolean integer = true;
        if (peek() == '.') {
            integer = false;
            pos++;
            if (!isDigit(peek())) {
                throw error(pos, "expected a digit after the decimal point, found " + describe(pos));
            }
            skipDigits();
        }
        if (peek() == 'e' || peek() == 'E') {
            integer = false;
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error(pos, "expected a digit in the exponent, found " + describe(pos));
            }
            skipDigits();
        }
        String number = text.substring(start, pos);
        if (integer && pos - start <= 20) {
            try {
                return Long.parseLong(number);
            } catch (NumberFormatException tooBig) {
                // falls through to double, like any integer beyond the long range
            }
        }
        double d = Double.parseDouble(number);
        if (Double.isInfinite(d)) {
            throw error(start, "number " + (number.length() > 40 ? number.substring(0, 40) + "..." : number)
                    + " is beyond the double range (about +-1.8e308)");
        }
        return d;
    }

    private void skipDigits() {
        while (isDigit(peek())) {
            pos++;
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, pos)) {
            throw error(pos, "expected " + word + ", found " + describe(pos));
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error(pos, "expected '" + c + "', found " + describe(pos));
        }
        pos++;
    }

    /** The char at {@code pos}, or U+0000 at the end (never valid where a token is expected). */
    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipWhitespace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private String describe(int at) {
        if (at >= text.length()) {
            return "end of input";
        }
        return printable(text.charAt(at));
    }

    private static String printable(char c) {
        if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) || Character.isWhitespace(c) || c == 0xFEFF) {
            return String.format("U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    private JsonException error(int at, String what) {
        int line = 1;
        int lineStart = 0;
        int end = Math.min(at, text.length());
        for (int i = 0; i < end; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = at - lineStart + 1;
        return new JsonException("JSON error at " + line + ":" + column + ": " + what, line, column);
    }
}
