package org.moe4j.text.gguf;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moe4j.io.Json;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufMetadata;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufWriter;
import org.moe4j.text.hf.HfTokenizer;

/**
 * Real vocabularies (Qwen3, DeepSeek-V3, gpt-oss; the tokenizer.json fixtures of text/hf) written as
 * GGUF metadata and read back, both from tokenizer.huggingface.json and rebuilt from the
 * tokenizer.ggml.* fields alone (tokens, types, merges, pre), encode the fixture texts to the ids
 * the tokenizers library gives (cases.json).
 */
@org.junit.jupiter.api.Tag("slow")
@Tag("slow")
class GgufVocabularyTest {
    static final Path FIXTURES = Path.of("src/test/resources/org/moe4j/text/hf");

    private static final Map<String, GgufMetadata> WRITTEN = new java.util.concurrent.ConcurrentHashMap<>();

    static GgufMetadata written(String name) throws Exception {
        GgufMetadata cached = WRITTEN.get(name);
        if (cached != null) return cached;
        HfTokenizer original = HfTokenizer.load(FIXTURES.resolve(name));
        GgufWriter w = new GgufWriter().metadata("general.architecture", GgufValue.string("qwen3moe"));
        GgufVocabulary.write(w, FIXTURES.resolve(name), original.vocabSize());
        try (GgufFile f = GgufFile.of(w.toBytes(), name + ".gguf")) {
            WRITTEN.put(name, f.metadata());
            return f.metadata();
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3, qwen2", "deepseek_v3, deepseek-v3", "gptoss, gpt-4o"})
    void encodesAsTheTokenizersLibraryFromEitherForm(String name, String pre) throws Exception {
        GgufMetadata m = written(name);
        assertEquals("gpt2", m.string("tokenizer.ggml.model"));
        assertEquals(pre, m.string("tokenizer.ggml.pre"));
        Map<String, GgufValue> withoutJson = new LinkedHashMap<>(m.values());
        withoutJson.remove("tokenizer.huggingface.json");
        HfTokenizer fromJson = GgufVocabulary.tokenizer(m);
        HfTokenizer rebuilt = GgufVocabulary.tokenizer(new GgufMetadata("rebuilt", withoutJson));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> cases = (List<Map<String, Object>>) ((Map<String, Object>) Json.parse(
                Files.readString(FIXTURES.resolve("cases.json")))).get("cases");
        int compared = 0;
        for (Map<String, Object> c : cases) {
            @SuppressWarnings("unchecked")
            List<Number> ids = ((Map<String, List<Number>>) c.get("ids")).get(name);
            if (ids == null) continue;
            int[] expected = ids.stream().mapToInt(Number::intValue).toArray();
            String text = (String) c.get("text");
            assertArrayEquals(expected, fromJson.encode(text), name + " from tokenizer.huggingface.json: " + Json.quoteForMessage(text));
            assertArrayEquals(expected, rebuilt.encode(text), name + " rebuilt from tokenizer.ggml.*: " + Json.quoteForMessage(text));
            assertEquals(fromJson.decode(expected), rebuilt.decode(expected), name + " decodes alike");
            compared++;
        }
        assertTrue(compared >= 20, "cases compared: " + compared);
        assertEquals(fromJson.eosTokenId(), rebuilt.eosTokenId());
    }

    @ParameterizedTest
    @CsvSource({"gptoss"})
    void theChatTemplateAndSpecialTokensTravel(String name) throws Exception {
        GgufMetadata m = written(name);
        HfTokenizer original = HfTokenizer.load(FIXTURES.resolve(name));
        assertEquals(original.config().json().get("chat_template"), GgufVocabulary.chatTemplate(m).orElse(null));
        assertEquals(original.eosTokenId().getAsInt(), m.integer("tokenizer.ggml.eos_token_id"));
        assertEquals(3, m.ints("tokenizer.ggml.token_type")[original.eosTokenId().getAsInt()], "EOS is a control token");
    }

    @ParameterizedTest
    @CsvSource({"llama, 'tokenizer.ggml.model is \"llama\"; moe4j reads byte-level BPE vocabularies (gpt2) or a tokenizer.huggingface.json'",
            "none, 'tokenizer.ggml.model is \"none\"; moe4j reads byte-level BPE vocabularies (gpt2) or a tokenizer.huggingface.json (this file has no vocabulary)'"})
    void otherVocabulariesAreRefusedByName(String model, String message) {
        GgufMetadata m = new GgufMetadata("x.gguf", Map.of("tokenizer.ggml.model", GgufValue.string(model)));
        var e = assertThrows(IllegalArgumentException.class, () -> GgufVocabulary.tokenizer(m));
        assertEquals("x.gguf: " + message, e.getMessage());
        GgufMetadata unknownPre = new GgufMetadata("y.gguf", Map.of("tokenizer.ggml.model", GgufValue.string("gpt2"),
                "tokenizer.ggml.tokens", GgufValue.strings(new String[] {"a"}), "tokenizer.ggml.merges", GgufValue.strings(new String[0]),
                "tokenizer.ggml.pre", GgufValue.string("chameleon")));
        e = assertThrows(IllegalArgumentException.class, () -> GgufVocabulary.tokenizer(unknownPre));
        assertTrue(e.getMessage().startsWith("y.gguf: tokenizer.ggml.pre is \"chameleon\"; moe4j rebuilds gpt-2, olmo"), e.getMessage());
    }
}
