package org.moe4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;

/**
 * The checks both request parsers share: each reads one field of a JSON body and refuses a wrong
 * value with a {@link BadRequestException} that names the field and what is allowed.
 */
final class RequestFields {
    static final int MAX_STOP_STRINGS = 4;

    private RequestFields() {}

    /** The body as a JSON object, or 400. */
    static Map<?, ?> object(byte[] body) {
        Object json;
        try {
            json = Json.parse(body);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(null, "the body is not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> m)) {
            throw new BadRequestException(null, "the body must be a JSON object, got " + kind(json));
        }
        return m;
    }

    /** 400 for the first key not in {@code known}, listing what the endpoint reads. */
    static void onlyKnown(Map<?, ?> m, java.util.Set<String> known, String listed) {
        for (Object key : m.keySet()) {
            if (!known.contains((String) key)) {
                throw new BadRequestException((String) key, "unknown field " + Json.quoteForMessage((String) key)
                        + " (this endpoint reads: " + listed + ")");
            }
        }
    }

    /** The model field: absent, or the served model's name (404 for another). */
    static void model(Map<?, ?> m, String modelName) {
        Object model = m.get("model");
        if (model != null && !(model instanceof String)) {
            throw new BadRequestException("model", "model must be a string, got " + kind(model));
        }
        if (model != null && !model.equals(modelName)) {
            throw new BadRequestException(404, "model", "model " + Json.quoteForMessage((String) model)
                    + " is not served here (this server has " + Json.quoteForMessage(modelName) + ")");
        }
    }

    static void neutral(Map<?, ?> m, String field, Object neutral, String message) {
        Object v = m.get(field);
        if (v != null && !v.equals(neutral)) throw new BadRequestException(field, message + ", got " + shortJson(v));
    }

    /** presence_penalty, frequency_penalty: absent or 0. */
    static void noPenalties(Map<?, ?> m) {
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Object v = m.get(penalty);
            if (v != null && !(v instanceof Number n && n.doubleValue() == 0)) {
                throw new BadRequestException(penalty, penalty + " is not supported (omit it or give 0), got " + shortJson(v));
            }
        }
        Object bias = m.get("logit_bias");
        if (bias != null && !(bias instanceof Map<?, ?> b && b.isEmpty())) {
            throw new BadRequestException("logit_bias", "logit_bias is not supported (omit it or give {})");
        }
    }

    static String string(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (v != null && !(v instanceof String)) throw new BadRequestException(field, field + " must be a string, got " + kind(v));
        return (String) v;
    }

    static boolean bool(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (v != null && !(v instanceof Boolean)) throw new BadRequestException(field, field + " must be true or false, got " + kind(v));
        return Boolean.TRUE.equals(v);
    }

    static long integer(Map<?, ?> m, String field, long absent, long min, long max) {
        Object v = m.get(field);
        if (v == null) return absent;
        if (!(v instanceof Long n) || n < min || n > max) {
            throw new BadRequestException(field, field + " must be an integer in [" + min + ", " + max + "], got " + shortJson(v));
        }
        return n;
    }

    static double number(Map<?, ?> m, String field, double absent, double min, double max) {
        Object v = m.get(field);
        if (v == null) return absent;
        if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            throw new BadRequestException(field, field + " must be a number in [" + min + ", " + max + "], got " + shortJson(v));
        }
        return n.doubleValue();
    }

    /** stop: absent, one non-empty string, or a list of at most {@link #MAX_STOP_STRINGS}. */
    static List<String> stopStrings(Object v) {
        if (v == null) return List.of();
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        if (items.size() > MAX_STOP_STRINGS) {
            throw new BadRequestException("stop", "stop holds " + items.size() + " strings, at most " + MAX_STOP_STRINGS + " are allowed");
        }
        List<String> out = new ArrayList<>();
        for (Object s : items) {
            if (!(s instanceof String str) || str.isEmpty()) {
                throw new BadRequestException("stop", "stop must be a non-empty string or a list of them, got " + shortJson(v));
            }
            out.add(str);
        }
        return List.copyOf(out);
    }

    /** The prompt's ids must leave room for one new token in the context. */
    static void fitsContext(int[] ids, int context, String field) {
        if (ids.length == 0) throw new BadRequestException(field, field + " encodes to no tokens");
        if (ids.length >= context) {
            throw new BadRequestException(field, field + " has " + ids.length + " tokens, the context holds " + context
                    + " (at most " + (context - 1) + " leave room for a new token)");
        }
    }

    static String shortJson(Object v) {
        String s = Json.write(v);
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " characters)";
    }

    static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String _ -> "a string";
            case Boolean _ -> "a boolean";
            case Number _ -> "a number";
            case List<?> _ -> "an array";
            case Map<?, ?> _ -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }
}
