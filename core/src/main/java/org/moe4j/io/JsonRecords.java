package org.moe4j.io;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mapping between records and JSON objects, instead of a hand-written toJson/fromJson pair per
 * config. A component is a field under its name in snake_case ({@code topK} is {@code top_k}), in
 * declaration order: int and long as integers, float and double as numbers, booleans, strings,
 * int[] and double[] as lists (written only), enums by their {@code toString} (read back by a static {@code parse(String)} when the enum has
 * one, else by constant name), nested records as objects and lists element by element. Reading
 * goes through the canonical constructor, so the record's own checks run; a missing or mistyped
 * field fails with {@link JsonFields}'s message naming it.
 */
public final class JsonRecords {
    private JsonRecords() {}

    /** The record as a JSON object (a new, mutable, ordered map). */
    public static Map<String, Object> toJson(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            m.put(snakeCase(c.getName()), value(read(c, r)));
        }
        return m;
    }

    /** A record of {@code type} from the JSON object {@code m}; {@code where} begins every error message. */
    public static <R extends Record> R fromJson(Class<R> type, Map<?, ?> m, String where) {
        return fromJson(type, m, where, Map.of());
    }

    /**
     * As {@link #fromJson(Class, Map, String)}, with the components named (in snake_case) in
     * {@code given} taken from there instead of {@code m}: the ones a caller reads its own way, or
     * defaults for fields that older files do not have.
     */
    public static <R extends Record> R fromJson(Class<R> type, Map<?, ?> m, String where, Map<String, ?> given) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            String name = snakeCase(components[i].getName());
            types[i] = components[i].getType();
            args[i] = given.containsKey(name) ? given.get(name) : field(types[i], m, name, where);
        }
        try {
            var constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("JSON record mapping: " + type.getName() + " cannot be built", e);
        }
    }

    /** topK -> top_k, dModel -> d_model, zLoss -> z_loss. */
    static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Object read(RecordComponent c, Record r) {
        try {
            Method accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("JSON record mapping: cannot read " + c.getName(), e);
        }
    }

    private static Object value(Object v) {
        return switch (v) {
            case null -> null;
            case Integer i -> (long) i;
            case Float f -> (double) f;
            case Enum<?> e -> e.toString();
            case Record r -> toJson(r);
            case int[] a -> java.util.Arrays.stream(a).mapToObj(i -> (Object) (long) i).toList();
            case double[] a -> java.util.Arrays.stream(a).boxed().map(d -> (Object) d).toList();
            case List<?> list -> {
                List<Object> out = new ArrayList<>(list.size());
                for (Object o : list) out.add(value(o));
                yield out;
            }
            default -> v;
        };
    }

    private static Object field(Class<?> type, Map<?, ?> m, String name, String where) {
        if (type == int.class) return JsonFields.integer(m, name, where);
        if (type == long.class) return JsonFields.longValue(m, name, where);
        if (type == double.class) return JsonFields.number(m, name, where);
        if (type == float.class) return (float) JsonFields.number(m, name, where);
        if (type == boolean.class) return JsonFields.bool(m, name, where);
        if (type == String.class) return JsonFields.string(m, name, where);
        if (type.isEnum()) return enumConstant(type, JsonFields.string(m, name, where), name, where);
        if (type.isRecord()) {
            Object v = JsonFields.field(m, name, where);
            if (!(v instanceof Map<?, ?> inner)) {
                throw new IllegalArgumentException(where + ": field \"" + name + "\" must be a JSON object");
            }
            return fromJson(type.asSubclass(Record.class), inner, where + "." + name);
        }
        throw new IllegalStateException("JSON record mapping: component " + name + " of type " + type.getName()
                + " needs a value in `given`");
    }

    private static Object enumConstant(Class<?> type, String text, String name, String where) {
        try {
            Method parse = type.getMethod("parse", String.class);
            if (Modifier.isStatic(parse.getModifiers())) return parse.invoke(null, text);
        } catch (NoSuchMethodException e) {
            // no parse method: constant names below
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        for (Object constant : type.getEnumConstants()) {
            if (constant.toString().equals(text)) return constant;
        }
        List<String> allowed = new ArrayList<>();
        for (Object constant : type.getEnumConstants()) allowed.add(constant.toString());
        throw new IllegalArgumentException(where + ": field \"" + name + "\" is " + Json.quote(text) + ", allowed " + allowed);
    }
}
