package org.moe4j.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;

/**
 * One conformance case file (format: experiments/src/test/resources/conformance/README.md): its kind, its
 * config (JSON in the metadata), its input tensors and the names of the tensors to reproduce.
 */
public record ConformanceCase(String name, String kind, Map<String, Object> config, CaseTensors inputs,
                              List<String> expected, Map<String, String> metadata) {

    @SuppressWarnings("unchecked")
    public static ConformanceCase read(Path file) throws IOException {
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            Map<String, String> meta = f.metadata();
            String kind = require(meta, "kind", file);
            Object config = Json.parse(require(meta, "config", file));
            if (!(config instanceof Map<?, ?>)) {
                throw new IllegalArgumentException(file + ": metadata 'config' must be a JSON object");
            }
            CaseTensors inputs = new CaseTensors();
            for (Object n : (List<Object>) Json.parse(require(meta, "inputs", file))) {
                String name = (String) n;
                DType dtype = f.info(name).dtype();
                if (dtype.isFloat()) inputs.put(name, f.floats(name));
                else inputs.putIntegers(name, f.longs(name), f.info(name).intShape());
            }
            List<String> expected = new ArrayList<>();
            for (Object n : (List<Object>) Json.parse(require(meta, "expected", file))) expected.add((String) n);
            String caseName = meta.getOrDefault("case", file.getFileName().toString());
            return new ConformanceCase(caseName, kind, (Map<String, Object>) config, inputs, expected, meta);
        }
    }

    private static String require(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": metadata has no '" + key + "' entry; is this a conformance case?");
        }
        return v;
    }

    /**
     * A config number by its key; keys in the cases carry the peer's own name in brackets
     * ({@code "top_k(num_experts_per_tok)"}), so a key matches its name with or without them.
     */
    public double number(String key) {
        Object v = lookup(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("conformance case " + name + ": config '" + key + "' is " + v + ", not a number");
        }
        return n.doubleValue();
    }

    public boolean flag(String key) {
        Object v = lookup(key);
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("conformance case " + name + ": config '" + key + "' is " + v + ", not true/false");
        }
        return b;
    }

    public String text(String key) {
        return String.valueOf(lookup(key));
    }

    public boolean has(String key) {
        return find(key) != null;
    }

    private Object lookup(String key) {
        String k = find(key);
        if (k == null) {
            throw new IllegalArgumentException("conformance case " + name + ": config has no '" + key + "' (keys: "
                    + config.keySet() + ")");
        }
        return config.get(k);
    }

    private String find(String key) {
        for (String k : config.keySet()) {
            if (k.equals(key) || k.startsWith(key + "(")) return k;
        }
        return null;
    }
}
