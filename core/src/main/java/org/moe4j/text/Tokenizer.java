package org.moe4j.text;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Text to token ids and back. {@code decode(encode(s))} gives {@code s} back for every string that is
 * well-formed Unicode (the byte-level tokenizers) or that uses only the vocabulary's characters (the
 * character tokenizer). Ids that do not form valid UTF-8 decode with U+FFFD replacement characters,
 * never an exception; ids outside {@code [0, vocabSize())} are an {@link IllegalArgumentException}.
 *
 * <p>A tokenizer is plain data: {@link #toJson()} describes it completely, {@link TokenizerFile}
 * saves and loads that description, and {@link #fingerprint()} hashes it so a token file can tell
 * whether it was made by the same tokenizer.
 */
public interface Tokenizer {
    /** Token ids of {@code text}. */
    int[] encode(String text);

    /** The text of {@code ids}; invalid UTF-8 becomes U+FFFD (see {@link Utf8#decode}). */
    String decode(int[] ids);

    /** The bytes {@code ids} stand for, exactly; special tokens give the UTF-8 of their text. */
    byte[] decodeBytes(int[] ids);

    /** Number of distinct ids: every id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /** The kind written in the saved file: "byte", "char" or "bpe". */
    String kind();

    /**
     * The id of a special token such as {@code <|endoftext|>}, or -1 if this tokenizer has none of
     * that name. Special tokens are never produced by {@link #encode}: their text in the input is
     * encoded as ordinary text, so any string round-trips; callers insert the id themselves.
     */
    int specialTokenId(String name);

    /** Everything needed to rebuild this tokenizer, as JSON values, without the file envelope. */
    Map<String, Object> toJson();

    /** A 64-bit hash of {@link #toJson()}: equal for tokenizers that encode identically. */
    default long fingerprint() {
        return TokenizerFile.fingerprint(this);
    }

    /** Writes this tokenizer to {@code file} atomically (see {@link TokenizerFile}). */
    default void save(Path file) throws IOException {
        TokenizerFile.save(this, file);
    }

    /** Reads a tokenizer of any kind saved by {@link #save}. */
    static Tokenizer load(Path file) throws IOException {
        return TokenizerFile.load(file);
    }
}
