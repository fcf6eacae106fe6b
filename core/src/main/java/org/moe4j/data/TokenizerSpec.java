package org.moe4j.data;

import java.io.IOException;
import java.util.List;
import org.moe4j.text.BpeTrainer;
import org.moe4j.text.ByteTokenizer;
import org.moe4j.text.CharTokenizer;
import org.moe4j.text.Tokenizer;

/**
 * Which tokenizer a run uses, as plain data for a run's config, and how to build it from the
 * corpus: {@code char} takes the corpus's distinct characters (strict: the corpus is all it will
 * see), {@code byte} needs nothing, {@code bpe} learns {@code merges} merges from the corpus's
 * first {@code bpeSampleChars} characters (whole chunks). {@code byte} and {@code bpe} get the
 * {@link TokenCorpus#END_OF_TEXT} token to separate documents.
 */
public record TokenizerSpec(String kind, int merges, long bpeSampleChars) {
    public static final String CHAR = "char", BYTE = "byte", BPE = "bpe";
    /** Characters of corpus text the BPE trainer reads by default (about 64 MB of English). */
    public static final long DEFAULT_BPE_SAMPLE_CHARS = 64L << 20;

    public TokenizerSpec {
        if (!List.of(CHAR, BYTE, BPE).contains(kind)) {
            throw new IllegalArgumentException("TokenizerSpec: kind is " + (kind == null ? "missing" : "\"" + kind + "\"")
                    + ", must be one of \"char\", \"byte\", \"bpe\"");
        }
        if (merges < 0 || (merges > 0 && !kind.equals(BPE))) {
            throw new IllegalArgumentException("TokenizerSpec: merges is " + merges + ", must be >= 0, and 0 unless kind is \"bpe\"");
        }
        if (bpeSampleChars < 1) {
            throw new IllegalArgumentException("TokenizerSpec: bpeSampleChars is " + bpeSampleChars + ", must be >= 1");
        }
    }

    /** A character tokenizer (the default: Moby-Dick gives 83 ids). */
    public static TokenizerSpec characters() {
        return new TokenizerSpec(CHAR, 0, DEFAULT_BPE_SAMPLE_CHARS);
    }

    public static TokenizerSpec bytes() {
        return new TokenizerSpec(BYTE, 0, DEFAULT_BPE_SAMPLE_CHARS);
    }

    public static TokenizerSpec bpe(int merges) {
        return new TokenizerSpec(BPE, merges, DEFAULT_BPE_SAMPLE_CHARS);
    }

    /** The tokenizer for {@code source}. */
    public Tokenizer build(CorpusSource source) throws IOException {
        List<String> specials = List.of(TokenCorpus.END_OF_TEXT);
        return switch (kind) {
            case CHAR -> CharTokenizer.of(source.distinctCodePoints(), false);
            case BYTE -> new ByteTokenizer(specials);
            default -> BpeTrainer.train(source.sample(bpeSampleChars), merges, specials);
        };
    }
}
