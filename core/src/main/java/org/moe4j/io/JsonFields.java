package org.moe4j.io;

import java.util.Map;

/** Typed field access for configs read from JSON, with errors that name the field and what was expected. */
public final class JsonFields {
    private JsonFields() {}

    public static Object field(Map<?, ?> m, String name, String where) {
        if (!m.containsKey(name)) {
            throw new IllegalArgumentException(where + ": field \"" + name + "\" is missing");
        }
        return m.get(name);
    }

    public static int integer(Map<?, ?> m, String name, String where) {
        long v = longValue(m, name, where);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + v + ", out of the int range");
        }
        return (int) v;
    }

    public static long longValue(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Long l) return l;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 0x1p53) return d.longValue();
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + describe(v) + ", must be an integer");
    }

    public static double number(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + describe(v) + ", must be a number");
    }

    public static boolean bool(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof Boolean b) return b;
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + describe(v) + ", must be true or false");
    }

    public static String string(Map<?, ?> m, String name, String where) {
        Object v = field(m, name, where);
        if (v instanceof String s) return s;
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + describe(v) + ", must be a string");
    }

    private static String describe(Object v) {
        return v instanceof String s ? Json.quote(s) : String.valueOf(v);
    }
}
