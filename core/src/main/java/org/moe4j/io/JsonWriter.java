package org.moe4j.io;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/** Writes plain Java values as JSON; see {@link Json} for the accepted values and number format. */
final class JsonWriter {
    private final boolean pretty;
    private final StringBuilder out = new StringBuilder();

    JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    String write(Object value) {
        value(value, 0, "$");
        return out.toString();
    }

    private void value(Object v, int indent, String path) {
        switch (v) {
            case null -> out.append("null");
            case String s -> string(s, path);
            case Boolean b -> out.append(b.booleanValue());
            case Double d -> finite(d, path).append(d.doubleValue());
            case Float f -> finite(f.doubleValue(), path).append(f.floatValue());
            case Long l -> out.append(l.longValue());
            case Integer i -> out.append(i.intValue());
            case Short s -> out.append(s.shortValue());
            case Byte b -> out.append(b.byteValue());
            case BigInteger b -> out.append(b);
            case BigDecimal b -> out.append(b);
            case Map<?, ?> m -> object(m, indent, path);
            case Collection<?> c -> array(c, indent, path);
            default -> throw new IllegalArgumentException("JSON write: value at " + path + " is a "
                    + v.getClass().getName() + "; allowed: Map, Collection, String, Boolean, null and"
                    + " Double, Float, Long, Integer, Short, Byte, BigInteger, BigDecimal");
        }
    }

    private StringBuilder finite(double d, String path) {
        if (!Double.isFinite(d)) {
            throw new IllegalArgumentException("JSON write: value at " + path + " is " + d
                    + "; JSON numbers must be finite");
        }
        return out;
    }

    private void object(Map<?, ?> map, int indent, String path) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("JSON write: object at " + path + " has key " + e.getKey()
                        + (e.getKey() == null ? "" : " of type " + e.getKey().getClass().getName())
                        + "; JSON object keys must be strings");
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            newline(indent + 1);
            String childPath = path + "." + key;
            string(key, childPath);
            out.append(pretty ? ": " : ":");
            value(e.getValue(), indent + 1, childPath);
        }
        newline(indent);
        out.append('}');
    }

    private void array(Collection<?> list, int indent, String path) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        boolean inline = !pretty || list.stream().noneMatch(x -> x instanceof Map<?, ?> || x instanceof Collection<?>);
        out.append('[');
        int i = 0;
        for (Object x : list) {
            if (i > 0) {
                out.append(',');
                if (inline && pretty) {
                    out.append(' ');
                }
            }
            if (!inline) {
                newline(indent + 1);
            }
            value(x, indent + 1, path + "[" + i + "]");
            i++;
        }
        if (!inline) {
            newline(indent);
        }
        out.append(']');
    }

    private void newline(int indent) {
        if (pretty) {
            out.append('\n');
            out.repeat("  ", indent);
        }
    }

    private void string(String s, String path) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException(String.format("JSON write: string at %s has a lone"
                                + " surrogate U+%04X at index %d, which UTF-8 cannot encode", path, (int) c, i));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
