package org.moe4j.text.hf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;

/**
 * What transformers reads from a model folder's {@code tokenizer_config.json} about special tokens:
 * the texts of the BOS, EOS, PAD and UNK tokens (a string or an {@code {"content": ...}} object,
 * absent or null meaning none) and the flags {@code add_bos_token}/{@code add_eos_token}. The
 * tokenizers library does not read this file: {@link HfTokenizer#encode(String, boolean)} adds only
 * what tokenizer.json's post-processor adds, and a caller that must follow these flags (a chat
 * template usually writes the BOS itself) adds the ids it finds here. {@link #json()} is the whole
 * file, for the chat template and other fields.
 */
public record TokenizerConfig(Optional<String> bosToken, Optional<String> eosToken, Optional<String> padToken,
        Optional<String> unkToken, boolean addBosToken, boolean addEosToken, Map<String, Object> json) {
    public TokenizerConfig {
        json = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(json));
    }

    /** A config with nothing set, for a tokenizer.json without a tokenizer_config.json beside it. */
    public static TokenizerConfig empty() {
        return new TokenizerConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false, false, Map.of());
    }

    /** Reads {@code file}; errors name the file and the field. */
    public static TokenizerConfig load(Path file) throws IOException {
        Object parsed;
        try {
            parsed = Json.parse(Files.readAllBytes(file));
        } catch (JsonException e) {
            throw new TokenizerFormatException(file + " is not valid JSON: " + e.getMessage());
        }
        try {
            return fromJson(JsonNode.root(parsed));
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(file + ": " + e.getMessage());
        }
    }

    static TokenizerConfig fromJson(JsonNode root) {
        return new TokenizerConfig(token(root.get("bos_token")), token(root.get("eos_token")), token(root.get("pad_token")),
                token(root.get("unk_token")), root.get("add_bos_token").boolOr(false), root.get("add_eos_token").boolOr(false),
                root.object());
    }

    private static Optional<String> token(JsonNode node) {
        if (node.isNull()) {
            return Optional.empty();
        }
        if (node.value() instanceof String s) {
            return Optional.of(s);
        }
        if (node.value() instanceof Map<?, ?>) {
            return Optional.of(node.get("content").string());
        }
        throw node.error("expected a token text, an {\"content\": ...} object or null");
    }
}
