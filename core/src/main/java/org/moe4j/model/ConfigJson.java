package org.moe4j.model;

import java.util.Map;

/** Field access for configs read from JSON, with errors that name the field and what was expected. */
final class ConfigJson {
    private ConfigJson() {}

    static Object field(Map<?, ?> m, String name, String where) {
        if (!m.containsKey(name)) {
            throw new IllegalArgumentException(where + ": field \"" + name + "\" is missing");
        }
        return m.get(name);
    }

    static int intField(Map<?, ?> m, String name, String where) {
        long v = longField(m, name, where);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", out of the int range");
        }
        return (int) v;
    }

    static long longField(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) return d.longValue();
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", must be an integer");
    }

    static double doubleField(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", must be a number");
    }

    static boolean boolField(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", must be true or false");
    }

    static String stringField(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof String s) return s;
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", must be a string");
    }
}
