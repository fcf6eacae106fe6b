package org.moe4j.text.gguf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pre-tokenizers that {@code tokenizer.ggml.pre} names, as tokenizer.json pieces: the split
 * patterns each model's tokenizer.json has (llama.cpp keeps only the name), followed by the byte-level
 * mapping. Known: gpt-2, olmo and default (GPT-2's own pattern), llama-bpe (Llama 3), qwen2 (Qwen2 and
 * Qwen3, with NFC), deepseek-v3, gpt-4o (gpt-oss's o200k).
 */
final class PreTokenizers {
    private static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final List<String> DEEPSEEK_V3 = List.of("\\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*"
                    + "|\\s*[\r\n]+|\\s+(?!\\S)|\\s+");
    private static final String O200K = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
            + "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** A named pre-tokenizer: the split patterns (empty: GPT-2's, inside the byte-level step), normalizer, ignore_merges. */
    record Kind(String name, List<String> patterns, boolean nfc, boolean ignoreMerges) {
        Object preTokenizer() {
            if (patterns.isEmpty()) return byteLevel(true);
            List<Object> steps = new ArrayList<>();
            for (String p : patterns) {
                Map<String, Object> split = new LinkedHashMap<>();
                split.put("type", "Split");
                split.put("pattern", Map.of("Regex", p));
                split.put("behavior", "Isolated");
                split.put("invert", false);
                steps.add(split);
            }
            steps.add(byteLevel(false));
            return Map.of("type", "Sequence", "pretokenizers", steps);
        }

        Object normalizer() {
            return nfc ? Map.of("type", "NFC") : null;
        }
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("gpt-2", List.of(), false, false),
            new Kind("olmo", List.of(), false, false),
            new Kind("default", List.of(), false, false),
            new Kind("llama-bpe", List.of(LLAMA3), false, true),
            new Kind("qwen2", List.of(QWEN2), true, false),
            new Kind("deepseek-v3", DEEPSEEK_V3, false, false),
            new Kind("gpt-4o", List.of(O200K), false, true));

    private PreTokenizers() {}

    private static Map<String, Object> byteLevel(boolean useRegex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ByteLevel");
        m.put("add_prefix_space", false);
        m.put("trim_offsets", true);
        m.put("use_regex", useRegex);
        return m;
    }

    static Kind of(String name, String source) {
        for (Kind k : KINDS) {
            if (k.name().equals(name)) return k;
        }
        throw new IllegalArgumentException(source + ": tokenizer.ggml.pre is \"" + name + "\"; moe4j rebuilds "
                + String.join(", ", KINDS.stream().map(Kind::name).toList()) + " (or reads tokenizer.huggingface.json when the file has it)");
    }

    /** The name llama.cpp knows for a tokenizer.json pre-tokenizer: by its split patterns; "default" when none matches. */
    static String nameOf(Object preTokenizer) {
        List<String> patterns = new ArrayList<>();
        collect(preTokenizer, patterns);
        for (Kind k : KINDS) {
            if (!k.patterns().isEmpty() && k.patterns().equals(patterns)) return k.name();
        }
        return patterns.isEmpty() ? "gpt-2" : "default";
    }

    private static void collect(Object node, List<String> out) {
        if (!(node instanceof Map<?, ?> m)) return;
        if ("Split".equals(m.get("type")) && m.get("pattern") instanceof Map<?, ?> p && p.get("Regex") instanceof String r) out.add(r);
        if (m.get("pretokenizers") instanceof List<?> l) {
            for (Object o : l) collect(o, out);
        }
    }
}
