package org.moe4j.text.hf;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;
import org.moe4j.text.IntList;
import org.moe4j.text.Tokenizer;

/**
 * A Hugging Face {@code tokenizer.json}, encoding and decoding exactly as the {@code tokenizers}
 * library does. Encoding runs the library's pipeline: added tokens are found in the text
 * ({@link AddedVocabulary}), the text between them is normalized ({@link Normalizer}), cut into
 * pieces ({@link PreTokenizer}), and each piece becomes ids by the BPE model ({@link BpeModel});
 * with {@code addSpecialTokens} the post-processor adds its tokens ({@link PostProcessor}).
 * Decoding maps ids to token strings and runs the {@link Decoder}.
 *
 * <p>As a {@link Tokenizer}: {@link #encode(String)} is the library's
 * {@code encode(text, add_special_tokens=False)}, so special-token text in the input (such as
 * {@code <|im_start|>}) is matched as that token, unlike moe4j's own tokenizers; {@link #kind()}
 * is {@code "tokenizer.json"}; {@link #vocabSize()} is one past the largest id (ids in between may
 * be unused); {@link #toJson()} is the tokenizer.json itself and {@link #save} writes it back.
 * Ids that no token has are an {@link IllegalArgumentException} when decoding (the library drops
 * them silently). Instances are immutable apart from a thread-safe word cache.
 */
public final class HfTokenizer implements Tokenizer {
    /** The value of {@link #kind()}. */
    public static final String KIND = "tokenizer.json";

    // the tokenizer.json text as UTF-8, for toJson and save; the parsed maps would take several times more memory
    private final byte[] source;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final BpeModel model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final AddedVocabulary added;
    private final TokenizerConfig config;
    private final int vocabSize;

    private HfTokenizer(byte[] source, Map<String, Object> json, TokenizerConfig config) {
        JsonNode root = JsonNode.root(json);
        this.source = source;
        this.config = config;
        Object version = root.get("version").value();
        if (!"1.0".equals(version)) {
            throw new TokenizerFormatException("version is " + JsonNode.describe(version) + ", expected \"1.0\"");
        }
        for (String unsupported : List.of("truncation", "padding")) {
            if (root.has(unsupported)) {
                throw new TokenizerFormatException(unsupported + " is set; moe4j encodes one sequence whole, without "
                        + unsupported + ": set it to null");
            }
        }
        normalizer = root.has("normalizer") ? Normalizer.fromJson(root.get("normalizer")) : null;
        preTokenizer = root.has("pre_tokenizer") ? PreTokenizer.fromJson(root.get("pre_tokenizer")) : null;
        model = BpeModel.fromJson(root.get("model"));
        postProcessor = root.has("post_processor") ? PostProcessor.fromJson(root.get("post_processor")) : null;
        decoder = root.has("decoder") ? Decoder.fromJson(root.get("decoder")) : null;
        added = new AddedVocabulary(root.has("added_tokens") ? root.get("added_tokens").elements() : List.of(), model, normalizer);
        int limit = model.idLimit();
        for (AddedToken t : added.sortedTokens()) {
            limit = Math.max(limit, t.id() + 1);
        }
        vocabSize = limit;
    }

    /**
     * The tokenizer of {@code path}: a model folder (its {@code tokenizer.json}, or
     * {@code tokenizer.json.gz}), or such a file itself (gzip is recognised by its magic bytes).
     * A {@code tokenizer_config.json} next to it is read too ({@link #config()}).
     */
    public static HfTokenizer load(Path path) throws IOException {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = path.resolve("tokenizer.json");
            if (!Files.exists(file) && Files.exists(path.resolve("tokenizer.json.gz"))) {
                file = path.resolve("tokenizer.json.gz");
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, Files.isDirectory(path)
                    ? "no tokenizer.json in this folder" : "tokenizer file not found");
        }
        Path configFile = file.toAbsolutePath().getParent().resolve("tokenizer_config.json");
        TokenizerConfig config = Files.isRegularFile(configFile) ? TokenizerConfig.load(configFile) : TokenizerConfig.empty();
        try {
            return fromJson(readBytes(file), config);
        } catch (TokenizerFormatException e) {
            throw new TokenizerFormatException(file + ": " + e.getMessage());
        }
    }

    /** A tokenizer from tokenizer.json's text (without a tokenizer_config.json). */
    public static HfTokenizer fromJson(String tokenizerJson) {
        return fromJson(tokenizerJson.getBytes(StandardCharsets.UTF_8), TokenizerConfig.empty());
    }

    /** A tokenizer from tokenizer.json's text with the special tokens and flags of {@code config}. */
    public static HfTokenizer fromJson(String tokenizerJson, TokenizerConfig config) {
        return fromJson(tokenizerJson.getBytes(StandardCharsets.UTF_8), config);
    }

    private static HfTokenizer fromJson(byte[] utf8, TokenizerConfig config) {
        Object parsed;
        try {
            parsed = Json.parse(utf8);
        } catch (JsonException e) {
            throw new TokenizerFormatException("not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?>)) {
            throw new TokenizerFormatException("expected a JSON object at the top level, found " + JsonNode.describe(parsed));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) parsed;
        return new HfTokenizer(utf8, map, config);
    }

    /** The file's bytes, unpacked if it is gzip. */
    private static byte[] readBytes(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            }
        }
        return bytes;
    }

    /** The ids of {@code text} without the post-processor's tokens: {@code encode(text, add_special_tokens=False)}. */
    @Override
    public int[] encode(String text) {
        return encode(text, false);
    }

    /** The ids of {@code text}; with {@code addSpecialTokens} the post-processor adds its tokens (a BOS, a template). */
    public int[] encode(String text, boolean addSpecialTokens) {
        int[] ids = run(text, AddedVocabulary.SpecialText.MATCH, null).toArray();
        return addSpecialTokens && postProcessor != null ? postProcessor.process(ids) : ids;
    }

    /**
     * The ids of {@code text} with special-token text read as ordinary text: a user's
     * {@code "<|im_end|>"} becomes the ids of those characters, not the token (the library's
     * {@code encode_special_tokens = True}; added tokens that are not special are still matched).
     * For text from users that must not inject control tokens into a prompt.
     */
    public int[] encodeSpecialTokensAsText(String text) {
        return run(text, AddedVocabulary.SpecialText.PLAIN, null).toArray();
    }

    /**
     * The token strings of {@code encode(text, false)} (the library's {@code Encoding.tokens}): the
     * vocabulary's strings, and for an added token the text it matched, with any whitespace its
     * lstrip/rstrip took.
     */
    public List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        run(text, AddedVocabulary.SpecialText.MATCH, tokens);
        return tokens;
    }

    /** The pipeline of the class comment; token strings go to {@code tokens} when it is not null. */
    private IntList run(String text, AddedVocabulary.SpecialText specialText, List<String> tokens) {
        checkWellFormed(text);
        IntList out = new IntList(text.length() / 3 + 16);
        added.extract(text, specialText, (part, tokenId, atStart) -> {
            if (tokenId >= 0) {
                out.add(tokenId);
                if (tokens != null) {
                    tokens.add(part);
                }
                return;
            }
            int before = out.size();
            if (preTokenizer == null) {
                model.tokenize(part, out);
            } else {
                preTokenizer.split(part, atStart, (piece, pieceAtStart) -> model.tokenize(piece, out));
            }
            for (int i = before; tokens != null && i < out.size(); i++) {
                tokens.add(model.tokenText(out.get(i)));
            }
        });
        return out;
    }

    /** {@code decode(ids, false)}. */
    @Override
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    /** The text of {@code ids}; with {@code skipSpecialTokens} the special added tokens are left out. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = tokenStrings(ids, skipSpecialTokens);
        return decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
    }

    /**
     * The bytes of {@code ids}: exactly the bytes the tokens stand for when the decoder is
     * ByteLevel (a token may end inside a UTF-8 character), else the UTF-8 of {@link #decode}.
     */
    @Override
    public byte[] decodeBytes(int[] ids) {
        List<String> tokens = tokenStrings(ids, false);
        return decoder instanceof ByteLevel ? ByteLevel.bytes(tokens) : decode(ids).getBytes(StandardCharsets.UTF_8);
    }

    private List<String> tokenStrings(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String text = tokenText(id);
            if (!skipSpecialTokens || !added.isSpecialText(text)) {
                tokens.add(text);
            }
        }
        return tokens;
    }

    /** The BPE model (for the tests that compare its merging with the plain reference). */
    BpeModel model() {
        return model;
    }

    /** The pieces the pre-tokenizer cuts {@code text} into, after normalization (no added-token matching). */
    List<String> preTokenize(String text) {
        List<String> out = new ArrayList<>();
        String normalized = normalizer == null ? text : normalizer.normalize(text);
        if (preTokenizer == null) {
            out.add(normalized);
        } else {
            preTokenizer.split(normalized, true, (piece, atStart) -> out.add(piece));
        }
        return out;
    }

    /** A decoder for ids arriving one at a time (see {@link StreamingDecoder}). */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** The id of {@code token} (an added token's text, or a vocabulary string), or -1. */
    public int tokenId(String token) {
        int id = added.tokenId(token);
        return id >= 0 ? id : model.tokenId(token);
    }

    /** The string of token {@code id} as decoding sees it; an id no token has is an {@link IllegalArgumentException}. */
    public String tokenText(int id) {
        String text = added.decodedText(id);
        if (text == null) {
            text = model.tokenText(id);
        }
        if (text == null) {
            throw new IllegalArgumentException("token id " + id + " is not in this tokenizer: ids are in [0, " + vocabSize
                    + ")" + (id >= 0 && id < vocabSize ? ", and this one is unused" : ""));
        }
        return text;
    }

    void checkId(int id) {
        tokenText(id);
    }

    /** The ids of the special added tokens (those decode skips with {@code skipSpecialTokens}), ascending. */
    public Set<Integer> specialTokenIds() {
        return Collections.unmodifiableSet(new TreeSet<>(added.specialIds()));
    }

    /** The added tokens in id order, with the ids the library gives them. */
    public List<AddedToken> addedTokens() {
        return List.copyOf(added.sortedTokens());
    }

    /** The model folder's tokenizer_config.json (empty when there is none). */
    public TokenizerConfig config() {
        return config;
    }

    /** The id of tokenizer_config.json's {@code bos_token}, if it names one this tokenizer has. */
    public OptionalInt bosTokenId() {
        return idOf(config.bosToken().orElse(null));
    }

    /** The id of tokenizer_config.json's {@code eos_token}, if it names one this tokenizer has. */
    public OptionalInt eosTokenId() {
        return idOf(config.eosToken().orElse(null));
    }

    private OptionalInt idOf(String token) {
        int id = token == null ? -1 : tokenId(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** The id of added token {@code name} (special or not), or -1. */
    @Override
    public int specialTokenId(String name) {
        return added.tokenId(name);
    }

    /** The tokenizer.json, parsed afresh on each call (it is large, and rarely needed). */
    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> toJson() {
        return (Map<String, Object>) Json.parse(source);
    }

    /** Writes the tokenizer.json as it was read (byte for byte, unpacked if it was gzip) to {@code file} atomically. */
    @Override
    public void save(Path file) throws IOException {
        AtomicFiles.write(file, out -> out.write(source));
    }

    /** Lone surrogates are not text: the library (Rust strings) cannot even receive them. */
    private static void checkWellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(String.format("text has a lone surrogate U+%04X at index %d;"
                        + " tokenizers need well-formed Unicode", (int) c, i));
            }
        }
    }
}
