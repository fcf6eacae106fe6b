package org.moe4j.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.moe4j.io.Json;

/**
 * Named tokens such as {@code <|endoftext|>} placed after a tokenizer's ordinary ids: the i-th name
 * has id {@code firstId + i}. They mark document boundaries; {@link Tokenizer#encode} never emits
 * them, so decoding one gives its name as text.
 */
final class SpecialTokens {
    private final List<String> names;
    private final int firstId;
    private final byte[][] utf8;

    SpecialTokens(List<String> names, int firstId) {
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("special tokens: a name is empty; names must be non-empty text");
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("special tokens: " + Json.quoteForMessage(name)
                        + " appears twice; names must be distinct");
            }
        }
        this.names = List.copyOf(names);
        this.firstId = firstId;
        this.utf8 = new byte[names.size()][];
        for (int i = 0; i < utf8.length; i++) {
            utf8[i] = names.get(i).getBytes(StandardCharsets.UTF_8);
        }
    }

    int count() {
        return names.size();
    }

    /** Id of {@code name}, or -1. */
    int idOf(String name) {
        int i = names.indexOf(name);
        return i < 0 ? -1 : firstId + i;
    }

    /** UTF-8 of special token {@code id}, which must be in {@code [firstId, firstId + count())}. */
    byte[] bytesOf(int id) {
        return utf8[id - firstId];
    }

    List<Object> toJson() {
        return new ArrayList<>(names);
    }
}
