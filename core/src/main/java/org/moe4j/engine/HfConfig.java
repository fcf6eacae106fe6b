package org.moe4j.engine;

import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;

/**
 * Typed reading of a Hugging Face {@code config.json}: each getter names the key and the file in its
 * message when the value is missing or of the wrong type, and the families call {@link #unsupported}
 * for a value that would change the math in a way this engine does not implement.
 */
public record HfConfig(Map<String, Object> json, String source) {

    public boolean has(String key) {
        return json.get(key) != null;
    }

    public Object raw(String key) {
        return json.get(key);
    }

    public int integer(String key) {
        Object v = json.get(key);
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw bad(key, v, "an integer");
    }

    public int integer(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    /** The first present key of several spellings (e.g. num_experts / num_local_experts). */
    public int integerOf(String... keys) {
        for (String k : keys) {
            if (has(k)) return integer(k);
        }
        throw new EngineConfigException(source + ": config.json has none of " + String.join(", ", keys));
    }

    public double number(String key) {
        Object v = json.get(key);
        if (v instanceof Number n) return n.doubleValue();
        throw bad(key, v, "a number");
    }

    public double number(String key, double fallback) {
        return has(key) ? number(key) : fallback;
    }

    public boolean bool(String key, boolean fallback) {
        Object v = json.get(key);
        if (v == null) return fallback;
        if (v instanceof Boolean b) return b;
        throw bad(key, v, "true or false");
    }

    public String string(String key, String fallback) {
        Object v = json.get(key);
        if (v == null) return fallback;
        if (v instanceof String s) return s;
        throw bad(key, v, "a string");
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String key) {
        Object v = json.get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw bad(key, v, "an object");
    }

    public List<?> list(String key) {
        Object v = json.get(key);
        if (v == null) return null;
        if (v instanceof List<?> l) return l;
        throw bad(key, v, "a list");
    }

    /** The error for a key whose value changes the math in a way this engine does not implement. */
    public EngineConfigException unsupported(String key, Object value, String supported) {
        return new EngineConfigException(source + ": " + key + " = " + Json.write(value) + " is not supported (" + supported + ")");
    }

    private EngineConfigException bad(String key, Object v, String expected) {
        return new EngineConfigException(source + ": " + key + " is " + (v == null ? "missing" : Json.write(v)) + ", expected " + expected);
    }
}
