package org.moe4j.io.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters that name the file, the
 * key, the type found and the type expected when a value is missing or of the wrong type.
 */
public final class GgufMetadata {
    private final String source;
    private final Map<String, GgufValue> values;

    public GgufMetadata(String source, Map<String, GgufValue> values) {
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public String source() {
        return source;
    }

    public Map<String, GgufValue> values() {
        return values;
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public GgufValue get(String key) {
        GgufValue v = values.get(key);
        if (v == null) throw new IllegalArgumentException(source + ": metadata " + key + " is missing");
        return v;
    }

    public String string(String key) {
        return (String) scalar(key, "a STRING", v -> v.type() == GgufValueType.STRING).value();
    }

    public String string(String key, String fallback) {
        return has(key) ? string(key) : fallback;
    }

    /** An integer value of any integer type that fits an int. */
    public int integer(String key) {
        long v = longValue(key);
        if (v != (int) v) throw new IllegalArgumentException(source + ": metadata " + key + " is " + v + ", beyond the int range");
        return (int) v;
    }

    public int integer(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    /** An integer value of any integer type; a UINT64 above 2^63 - 1 fails. */
    public long longValue(String key) {
        GgufValue v = scalar(key, "an integer", x -> x.type().isInteger());
        long n = (Long) v.value();
        if (v.type() == GgufValueType.UINT64 && n < 0) {
            throw new IllegalArgumentException(source + ": metadata " + key + " is " + Long.toUnsignedString(n) + ", beyond 2^63 - 1");
        }
        return n;
    }

    /** A number of any numeric type, as a double. */
    public double number(String key) {
        GgufValue v = scalar(key, "a number", x -> x.type().isInteger() || x.type() == GgufValueType.FLOAT32
                || x.type() == GgufValueType.FLOAT64);
        return v.value() instanceof Long l ? l : ((Number) v.value()).doubleValue();
    }

    public double number(String key, double fallback) {
        return has(key) ? number(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        if (!has(key)) return fallback;
        return (Boolean) scalar(key, "a BOOL", v -> v.type() == GgufValueType.BOOL).value();
    }

    public String[] strings(String key) {
        return ((String[]) array(key, GgufValueType.STRING).value()).clone();
    }

    public float[] floats(String key) {
        return ((float[]) array(key, GgufValueType.FLOAT32).value()).clone();
    }

    /** An array of any integer element type whose values fit an int. */
    public int[] ints(String key) {
        GgufValue v = get(key);
        if (v.type() != GgufValueType.ARRAY || !v.elementType().isInteger()) {
            throw wrongType(key, v, "an ARRAY of integers");
        }
        long[] a = (long[]) v.value();
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != (int) a[i]) throw new IllegalArgumentException(source + ": metadata " + key + "[" + i + "] is " + a[i]
                    + ", beyond the int range");
            out[i] = (int) a[i];
        }
        return out;
    }

    /** An integer for every layer: an array of {@code layers} integers, or one integer that every layer has. */
    public int[] perLayer(String key, int layers) {
        GgufValue v = get(key);
        if (v.type() == GgufValueType.ARRAY) {
            int[] a = ints(key);
            if (a.length != layers) {
                throw new IllegalArgumentException(source + ": metadata " + key + " has " + a.length + " entries for " + layers + " layers");
            }
            return a;
        }
        int[] out = new int[layers];
        java.util.Arrays.fill(out, integer(key));
        return out;
    }

    private GgufValue scalar(String key, String expected, java.util.function.Predicate<GgufValue> ok) {
        GgufValue v = get(key);
        if (!ok.test(v)) throw wrongType(key, v, expected);
        return v;
    }

    private GgufValue array(String key, GgufValueType element) {
        GgufValue v = get(key);
        if (v.type() != GgufValueType.ARRAY || v.elementType() != element) throw wrongType(key, v, "an ARRAY[" + element + "]");
        return v;
    }

    private IllegalArgumentException wrongType(String key, GgufValue v, String expected) {
        return new IllegalArgumentException(source + ": metadata " + key + " is of type " + v.typeName() + ", expected " + expected);
    }
}
