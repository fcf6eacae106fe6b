package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which transformers' {@code tojson} filter calls in place of Jinja2's
 * HTML-escaping one: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}.
 * Separators default to {@code ", "} and {@code ": "}, or {@code ","} and {@code ": "} with an indent;
 * floats print as Python's repr; with ensure_ascii every non-ASCII character becomes {@code \\uXXXX}
 * (astral ones as a surrogate pair); {@code <}, {@code >}, {@code &} and {@code '} are never escaped.
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;

    private PyJson(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
    }

    /**
     * @param indent     null, a number of spaces, or the indent string itself
     * @param separators null or a two-item list (item separator, key separator)
     */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String ind = switch (indent) {
            case null -> null;
            case Long n -> " ".repeat((int) Math.max(0, n));
            case String s -> s;
            default -> throw new PyError("tojson indent must be an int or a str, not " + Py.typeName(indent));
        };
        String item = ind == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            if (!(separators instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof String a)
                    || !(l.get(1) instanceof String b)) {
                throw new PyError("tojson separators must be a pair of strings, got " + Py.repr(separators));
            }
            item = a;
            key = b;
        }
        StringBuilder sb = new StringBuilder();
        new PyJson(ensureAscii, ind, item, key, sortKeys).write(value, sb, 0);
        return sb.toString();
    }

    private void write(Object v, StringBuilder sb, int level) {
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case Long l -> sb.append(l);
            case Double d -> sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Py.floatRepr(d));
            case String s -> quote(s, sb);
            case List<?> l -> {
                if (l.isEmpty()) {
                    sb.append("[]");
                    return;
                }
                sb.append('[');
                for (int k = 0; k < l.size(); k++) {
                    sb.append(k == 0 ? "" : itemSep);
                    newline(sb, level + 1);
                    write(l.get(k), sb, level + 1);
                }
                newline(sb, level);
                sb.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                List<Map.Entry<String, Object>> entries = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
                }
                if (sortKeys) {
                    entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
                }
                sb.append('{');
                for (int k = 0; k < entries.size(); k++) {
                    sb.append(k == 0 ? "" : itemSep);
                    newline(sb, level + 1);
                    quote(entries.get(k).getKey(), sb);
                    sb.append(keySep);
                    Object value = entries.get(k).getValue();
                    write(value == NULL ? null : value, sb, level + 1);
                }
                newline(sb, level);
                sb.append('}');
            }
            default -> throw new PyError("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    /** Map.entry refuses null values; this stands for None inside the entry list. */
    private static final Object NULL = new Object();

    private static String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Py.floatRepr(d);
            default -> throw new PyError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
        };
    }

    private void newline(StringBuilder sb, int level) {
        if (indent != null) {
            sb.append('\n').append(indent.repeat(level));
        }
    }

    private void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
