package org.moe4j.cli.chat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.Json;
import org.moe4j.text.hf.HfTokenizer;

/** Small tokenizers for the chat's tests: the cli fixture tiny-tokenizer.json (byte-level BPE) with added tokens. */
final class Tokenizers {
    private Tokenizers() {}

    /** tiny-tokenizer.json with these added tokens after its 300 ids, in order (special ones first). */
    @SuppressWarnings("unchecked")
    static HfTokenizer tiny(List<String> special, List<String> notSpecial) {
        Map<String, Object> json;
        try (InputStream in = Tokenizers.class.getResourceAsStream("/org/moe4j/cli/tiny-tokenizer.json")) {
            json = (Map<String, Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<Object> added = new ArrayList<>((List<Object>) json.get("added_tokens"));
        long id = 300;
        for (String s : special) added.add(token(id++, s, true));
        for (String s : notSpecial) added.add(token(id++, s, false));
        json.put("added_tokens", added);
        return HfTokenizer.fromJson(Json.write(json));
    }

    private static Map<String, Object> token(long id, String content, boolean special) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", special);
        return t;
    }
}
