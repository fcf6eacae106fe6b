package org.moe4j.io.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One metadata value of a GGUF file with its stored type, so that a file can be written back with
 * the same types. Scalars: integers as {@link Long} (a UINT64 above 2^63 - 1 keeps its bits, negative),
 * FLOAT32 as {@link Float}, FLOAT64 as {@link Double}, BOOL as {@link Boolean}, STRING as {@link String}.
 * Arrays ({@code type} ARRAY) hold {@code long[]} for integer elements, {@code float[]}, {@code double[]},
 * {@code boolean[]}, {@code String[]}, or {@code GgufValue[]} for arrays of arrays.
 *
 * @param elementType the type of an array's elements (null for a scalar)
 */
public record GgufValue(GgufValueType type, GgufValueType elementType, Object value) {
    public GgufValue {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if ((type == GgufValueType.ARRAY) != (elementType != null)) {
            throw new IllegalArgumentException("gguf value: elementType is given for arrays only (type " + type + ")");
        }
    }

    public static GgufValue string(String s) {
        return new GgufValue(GgufValueType.STRING, null, s);
    }

    public static GgufValue uint32(long v) {
        return new GgufValue(GgufValueType.UINT32, null, v);
    }

    public static GgufValue int32(long v) {
        return new GgufValue(GgufValueType.INT32, null, v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(GgufValueType.FLOAT32, null, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(GgufValueType.BOOL, null, v);
    }

    public static GgufValue strings(String[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v.clone());
    }

    public static GgufValue int32s(int[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, Arrays.stream(v).asLongStream().toArray());
    }

    public static GgufValue float32s(float[] v) {
        return new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v.clone());
    }

    /** The number of elements of an array (1 for a scalar). */
    public int length() {
        return switch (value) {
            case long[] a -> a.length;
            case float[] a -> a.length;
            case double[] a -> a.length;
            case boolean[] a -> a.length;
            case String[] a -> a.length;
            case GgufValue[] a -> a.length;
            default -> 1;
        };
    }

    /** The type as a reader sees it: "UINT32", "ARRAY[STRING]". */
    public String typeName() {
        return type == GgufValueType.ARRAY ? "ARRAY[" + elementType + "]" : type.name();
    }

    /** The value for people: numbers as they are, strings quoted, arrays by their first elements and length. */
    public String describe(int maxElements) {
        if (type == GgufValueType.STRING) return org.moe4j.io.Json.quoteForMessage((String) value);
        if (type != GgufValueType.ARRAY) return String.valueOf(type == GgufValueType.UINT64 ? Long.toUnsignedString((Long) value) : value);
        StringBuilder sb = new StringBuilder("[");
        int n = Math.min(length(), maxElements);
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(", ");
            sb.append(switch (value) {
                case long[] a -> elementType == GgufValueType.UINT64 ? Long.toUnsignedString(a[i]) : Long.toString(a[i]);
                case float[] a -> Float.toString(a[i]);
                case double[] a -> Double.toString(a[i]);
                case boolean[] a -> Boolean.toString(a[i]);
                case String[] a -> org.moe4j.io.Json.quoteForMessage(a[i]);
                case GgufValue[] a -> a[i].describe(maxElements);
                default -> "?";
            });
        }
        if (n < length()) sb.append(", ... (").append(length()).append(" elements)");
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && type == v.type && elementType == v.elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {type, elementType, value});
    }
}
