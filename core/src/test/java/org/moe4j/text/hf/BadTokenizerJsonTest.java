package org.moe4j.text.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.moe4j.io.Json;

/** Every refusal names the JSON path and what is wrong; unsupported components also list the supported ones. */
class BadTokenizerJsonTest {
    /** A small valid tokenizer.json: vocab a, b, ab, c; merge "a b"; no other components. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> valid() {
        return (Map<String, Object>) Json.parse("""
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
                 "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                           "vocab": {"a": 0, "b": 1, "ab": 2, "c": 3}, "merges": ["a b"]}}""");
    }

    private static String refusal(Consumer<Map<String, Object>> edit) {
        Map<String, Object> json = valid();
        edit.accept(json);
        return assertThrows(TokenizerFormatException.class, () -> HfTokenizer.fromJson(Json.write(json))).getMessage();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(Map<String, Object> json) {
        return (Map<String, Object>) json.get("model");
    }

    private static Map<String, Object> typed(String type, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    @Test
    void theValidFileWorks() {
        HfTokenizer tok = HfTokenizer.fromJson(Json.write(valid()));
        assertArrayEquals(new int[] {2, 3, 0}, tok.encode("abca"));
        // no decoder: the library joins the token strings with spaces
        assertEquals("ab c a", tok.decode(new int[] {2, 3, 0}));
        // "d" is in no vocabulary entry, and without unk_token or byte_fallback the library drops it
        assertArrayEquals(new int[] {2}, tok.encode("dab"));
    }

    @Test
    void unsupportedModelsAreRefusedNamingTheTypeAndTheSupportedOnes() {
        assertEquals("model.type is \"WordPiece\", which moe4j does not support; supported: BPE",
                refusal(j -> model(j).put("type", "WordPiece")));
        assertEquals("model.type is \"Unigram\", which moe4j does not support; supported: BPE",
                refusal(j -> model(j).put("type", "Unigram")));
        assertEquals("model.dropout is 0.1; moe4j supports only null or 0 (BPE dropout makes encoding random)",
                refusal(j -> model(j).put("dropout", 0.1)));
        assertEquals("model.merges[0]: \"x\" is not in model.vocab", refusal(j -> model(j).put("merges", List.of("x b"))));
        assertEquals("model.merges[0]: \"bc\" is not in model.vocab", refusal(j -> model(j).put("merges", List.of(List.of("b", "c")))));
        assertEquals("model.merges[0] is \"a b c\", expected two tokens separated by one space",
                refusal(j -> model(j).put("merges", List.of("a b c"))));
        assertEquals("model.vocab.a is -1, expected an id in [0, 2147483646]", refusal(j -> model(j).put("vocab", Map.of("a", -1L))));
    }

    @Test
    void unsupportedComponentsNameTheirPath() {
        assertEquals("normalizer.normalizers[1].type is \"BertNormalizer\", which moe4j does not support; supported: NFC, NFD,"
                + " NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, Sequence",
                refusal(j -> j.put("normalizer", typed("Sequence", "normalizers", List.of(typed("NFC"), typed("BertNormalizer"))))));
        assertEquals("pre_tokenizer.type is \"UnicodeScripts\", which moe4j does not support; supported: ByteLevel, Split,"
                + " Digits, Punctuation, Metaspace, Sequence, Whitespace, WhitespaceSplit",
                refusal(j -> j.put("pre_tokenizer", typed("UnicodeScripts"))));
        assertEquals("decoder.decoders[0].type is \"WordPiece\", which moe4j does not support; supported: ByteLevel,"
                + " ByteFallback, Metaspace, Fuse, Strip, Replace, BPEDecoder, Sequence",
                refusal(j -> j.put("decoder", typed("Sequence", "decoders", List.of(typed("WordPiece"))))));
        assertEquals("post_processor.type is missing or null, which moe4j does not support; supported: ByteLevel,"
                + " TemplateProcessing, BertProcessing, RobertaProcessing, Sequence",
                refusal(j -> j.put("post_processor", Map.of("single", List.of()))));
        assertEquals("truncation is set; moe4j encodes one sequence whole, without truncation: set it to null",
                refusal(j -> j.put("truncation", Map.of("max_length", 512L))));
        assertEquals("version is \"2.0\", expected \"1.0\"", refusal(j -> j.put("version", "2.0")));
    }

    @Test
    void badFieldsNameTheirPathAndWhatIsAllowed() {
        assertEquals("pre_tokenizer.behavior is \"Merged\", expected one of Removed, Isolated, MergedWithPrevious, MergedWithNext,"
                + " Contiguous", refusal(j -> j.put("pre_tokenizer", typed("Split", "pattern", Map.of("String", " "),
                        "behavior", "Merged", "invert", false))));
        assertEquals("pre_tokenizer.pattern is an object, expected {\"String\": ...} or {\"Regex\": ...}",
                refusal(j -> j.put("pre_tokenizer", typed("Split", "pattern", Map.of("Glob", "*"), "behavior", "Isolated", "invert", false))));
        assertEquals("pre_tokenizer.pattern.Regex: the regular expression \"(a\" does not compile: Unclosed group near index 2",
                refusal(j -> j.put("pre_tokenizer", typed("Split", "pattern", Map.of("Regex", "(a"), "behavior", "Isolated", "invert", false))));
        assertEquals("pre_tokenizer.pattern.Regex: the regular expression \"[[:alpha:]]+\" uses POSIX bracket expressions such as"
                + " [[:alpha:]], which moe4j does not translate to java.util.regex",
                refusal(j -> j.put("pre_tokenizer", typed("Split", "pattern", Map.of("Regex", "[[:alpha:]]+"), "behavior", "Isolated",
                        "invert", false))));
        assertEquals("pre_tokenizer.invert is missing or null, expected true or false",
                refusal(j -> j.put("pre_tokenizer", typed("Split", "pattern", Map.of("String", " "), "behavior", "Isolated"))));
        assertEquals("pre_tokenizer: add_prefix_space is false but prepend_scheme is \"always\"; they must agree (false goes with"
                + " \"never\")", refusal(j -> j.put("pre_tokenizer", typed("Metaspace", "replacement", "▁", "add_prefix_space", false))));
        assertEquals("decoder.content is \"ab\", expected a single character",
                refusal(j -> j.put("decoder", typed("Strip", "content", "ab", "start", 1L, "stop", 0L))));
        assertEquals("post_processor.single uses \"<s>\", which is not in post_processor.special_tokens",
                refusal(j -> j.put("post_processor", typed("TemplateProcessing", "single",
                        List.of(Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0L))), "pair", List.of(), "special_tokens", Map.of()))));
        assertEquals("added_tokens[0].id is \"x\", expected an integer in [0, 2147483646]",
                refusal(j -> j.put("added_tokens", List.of(Map.of("id", "x", "content", "<s>")))));
    }

    @Test
    void addedTokensGetTheIdsTheLibraryGives() {
        Map<String, Object> json = valid();
        // "c" is in the vocabulary, so it keeps id 3 whatever the file says; "<s>" is new and takes the next id, 4
        json.put("added_tokens", List.of(Map.of("id", 99L, "content", "c", "special", true),
                Map.of("id", 7L, "content", "<s>", "special", true)));
        HfTokenizer tok = HfTokenizer.fromJson(Json.write(json));
        assertEquals(3, tok.tokenId("c"));
        assertEquals(4, tok.tokenId("<s>"));
        assertEquals(5, tok.vocabSize());
        assertArrayEquals(new int[] {4, 2, 3}, tok.encode("<s>abc"));
        assertEquals("ab", tok.decode(new int[] {4, 2, 3}, true));
    }
}
