package org.moe4j.text.gguf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.moe4j.io.Json;
import org.moe4j.io.gguf.GgufMetadata;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufValueType;
import org.moe4j.io.gguf.GgufWriter;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.text.hf.TokenizerConfig;

/**
 * A GGUF file's vocabulary ({@code tokenizer.ggml.*}) as a Hugging Face tokenizer, and back.
 *
 * <p>Reading: a file that carries {@code tokenizer.huggingface.json} (the whole tokenizer.json, a
 * standard GGUF key; moe4j writes it) is that tokenizer exactly. Otherwise a byte-level BPE vocabulary
 * ({@code tokenizer.ggml.model = gpt2}) is rebuilt as a tokenizer.json: the tokens by id, the merges,
 * control and user-defined tokens as added tokens, and the pre-tokenizer that
 * {@code tokenizer.ggml.pre} names ({@link PreTokenizers}). SentencePiece vocabularies
 * ({@code llama}) and other pre-tokenizers are refused by name.
 *
 * <p>Writing: what llama.cpp reads (model gpt2, pre, tokens padded to the model's vocabulary, token
 * types, merges, BOS/EOS ids, add_bos_token, the chat template), plus {@code tokenizer.huggingface.json}.
 * A tokenizer that is not byte-level (a moe4j run's characters) is written as
 * {@code tokenizer.huggingface.json} only, with {@code tokenizer.ggml.model = none}: llama.cpp then
 * takes token ids, moe4j the text.
 */
public final class GgufVocabulary {
    /** llama.cpp's token types. */
    static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    private GgufVocabulary() {}

    /** The tokenizer of a GGUF file's metadata; fails naming what is missing or unsupported. */
    public static HfTokenizer tokenizer(GgufMetadata m) {
        TokenizerConfig config = config(m);
        if (m.has("tokenizer.huggingface.json")) {
            return HfTokenizer.fromJson(m.string("tokenizer.huggingface.json"), m.has("tokenizer.ggml.tokens") ? config : TokenizerConfig.empty());
        }
        String model = m.string("tokenizer.ggml.model", "none");
        if (!model.equals("gpt2")) {
            throw new IllegalArgumentException(m.source() + ": tokenizer.ggml.model is \"" + model + "\"; moe4j reads byte-level BPE "
                    + "vocabularies (gpt2) or a tokenizer.huggingface.json" + (model.equals("none") ? " (this file has no vocabulary)" : ""));
        }
        String[] tokens = m.strings("tokenizer.ggml.tokens");
        int[] types = m.has("tokenizer.ggml.token_type") ? m.ints("tokenizer.ggml.token_type") : new int[tokens.length];
        String[] merges = m.strings("tokenizer.ggml.merges");
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<Object> added = new ArrayList<>();
        for (int id = 0; id < tokens.length; id++) {
            int type = id < types.length ? types[id] : NORMAL;
            if (type == CONTROL || type == USER_DEFINED) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("id", id);
                t.put("content", tokens[id]);
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", type == USER_DEFINED);
                t.put("special", type == CONTROL);
                added.add(t);
            }
            if (type != UNUSED) vocab.putIfAbsent(tokens[id], id);
        }
        PreTokenizers.Kind pre = PreTokenizers.of(m.string("tokenizer.ggml.pre", "default"), m.source());
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", null);
        bpe.put("continuing_subword_prefix", null);
        bpe.put("end_of_word_suffix", null);
        bpe.put("fuse_unk", false);
        bpe.put("byte_fallback", false);
        bpe.put("ignore_merges", pre.ignoreMerges());
        bpe.put("vocab", vocab);
        bpe.put("merges", List.of(merges));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("truncation", null);
        json.put("padding", null);
        json.put("added_tokens", added);
        json.put("normalizer", pre.normalizer());
        json.put("pre_tokenizer", pre.preTokenizer());
        json.put("post_processor", null);
        json.put("decoder", Map.of("type", "ByteLevel", "add_prefix_space", true, "trim_offsets", true, "use_regex", true));
        json.put("model", bpe);
        return HfTokenizer.fromJson(Json.write(json), config);
    }

    /** BOS/EOS/PAD/UNK texts and add_bos_token from the tokenizer.ggml ids. */
    private static TokenizerConfig config(GgufMetadata m) {
        String[] tokens = m.has("tokenizer.ggml.tokens") ? m.strings("tokenizer.ggml.tokens") : new String[0];
        return new TokenizerConfig(token(m, tokens, "bos"), token(m, tokens, "eos"), token(m, tokens, "padding"), token(m, tokens, "unknown"),
                m.bool("tokenizer.ggml.add_bos_token", false), m.bool("tokenizer.ggml.add_eos_token", false), Map.of());
    }

    private static Optional<String> token(GgufMetadata m, String[] tokens, String which) {
        String key = "tokenizer.ggml." + which + "_token_id";
        if (!m.has(key)) return Optional.empty();
        int id = m.integer(key);
        return id >= 0 && id < tokens.length ? Optional.of(tokens[id]) : Optional.empty();
    }

    /** The chat template of the metadata (tokenizer.chat_template), if any. */
    public static Optional<String> chatTemplate(GgufMetadata m) {
        return m.has("tokenizer.chat_template") ? Optional.of(m.string("tokenizer.chat_template")) : Optional.empty();
    }

    /**
     * Writes the vocabulary of the model folder {@code folder} (tokenizer.json, tokenizer_config.json,
     * chat_template.jinja) into {@code w}, the token list padded to {@code vocabSize} ids as the
     * embedding has them.
     */
    public static void write(GgufWriter w, Path folder, int vocabSize) throws IOException {
        HfTokenizer tok = HfTokenizer.load(folder);
        String text = tokenizerJson(folder);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) Json.parse(text);
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) json.get("model");
        if (model == null || !"BPE".equals(model.get("type"))) {
            throw new IllegalArgumentException(folder.resolve("tokenizer.json") + ": the model is " + (model == null ? "missing" : model.get("type"))
                    + "; moe4j writes byte-level BPE vocabularies into GGUF");
        }
        if (!Json.write(json.get("pre_tokenizer")).contains("\"ByteLevel\"")) {
            // not byte-level (e.g. a moe4j run's character tokenizer): llama.cpp's gpt2 vocabulary would misread its tokens,
            // so the file carries the tokenizer for moe4j alone and llama.cpp takes token ids
            w.metadata("tokenizer.ggml.model", GgufValue.string("none"));
            w.metadata("tokenizer.huggingface.json", GgufValue.string(text));
            chatTemplate(w, folder, tok);
            return;
        }
        int n = Math.max(vocabSize, tok.vocabSize());
        String[] tokens = new String[n];
        int[] types = new int[n];
        for (int id = 0; id < n; id++) {
            String t = id < tok.vocabSize() ? tokenText(tok, id) : null;
            tokens[id] = t == null ? "[PAD" + id + "]" : t;
            types[id] = t == null ? UNUSED : NORMAL;
        }
        for (var a : tok.addedTokens()) {
            types[a.id()] = a.special() ? CONTROL : USER_DEFINED;
        }
        List<String> merges = new ArrayList<>();
        for (Object merge : (List<?>) model.get("merges")) {
            merges.add(merge instanceof List<?> pair ? pair.get(0) + " " + pair.get(1) : String.valueOf(merge));
        }
        w.metadata("tokenizer.ggml.model", GgufValue.string("gpt2"));
        w.metadata("tokenizer.ggml.pre", GgufValue.string(PreTokenizers.nameOf(json.get("pre_tokenizer"))));
        w.metadata("tokenizer.ggml.tokens", GgufValue.strings(tokens));
        w.metadata("tokenizer.ggml.token_type", GgufValue.int32s(types));
        w.metadata("tokenizer.ggml.merges", GgufValue.strings(merges.toArray(String[]::new)));
        tok.bosTokenId().ifPresent(id -> w.metadata("tokenizer.ggml.bos_token_id", uint32(id)));
        tok.eosTokenId().ifPresent(id -> w.metadata("tokenizer.ggml.eos_token_id", uint32(id)));
        w.metadata("tokenizer.ggml.add_bos_token", GgufValue.bool(tok.config().addBosToken()));
        w.metadata("tokenizer.huggingface.json", GgufValue.string(text));
        chatTemplate(w, folder, tok);
    }

    /** tokenizer.chat_template from chat_template.jinja, else tokenizer_config.json's chat_template string. */
    private static void chatTemplate(GgufWriter w, Path folder, HfTokenizer tok) throws IOException {
        Path jinja = folder.resolve("chat_template.jinja");
        Object fromConfig = tok.config().json().get("chat_template");
        if (Files.isRegularFile(jinja)) {
            w.metadata("tokenizer.chat_template", GgufValue.string(Files.readString(jinja, StandardCharsets.UTF_8)));
        } else if (fromConfig instanceof String s) {
            w.metadata("tokenizer.chat_template", GgufValue.string(s));
        }
    }

    /** The text of the folder's tokenizer.json (or tokenizer.json.gz). */
    private static String tokenizerJson(Path folder) throws IOException {
        Path plain = folder.resolve("tokenizer.json");
        if (Files.isRegularFile(plain)) return Files.readString(plain, StandardCharsets.UTF_8);
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(folder.resolve("tokenizer.json.gz")))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String tokenText(HfTokenizer tok, int id) {
        try {
            return tok.tokenText(id);
        } catch (IllegalArgumentException unused) {
            return null;
        }
    }

    private static GgufValue uint32(int v) {
        return new GgufValue(GgufValueType.UINT32, null, (long) v);
    }
}
