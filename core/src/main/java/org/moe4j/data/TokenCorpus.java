package org.moe4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.moe4j.io.FileFormatException;
import org.moe4j.text.Tokenizer;

/**
 * A corpus tokenised once into a {@link TokenFile} and split into training and validation ranges:
 * what the training loop reads. Documents (files of a folder) are joined with the tokenizer's
 * {@link #END_OF_TEXT} token when it has one, and directly otherwise.
 *
 * <pre>{@code
 * CorpusSource source = CorpusSource.mobyDick();
 * Tokenizer tok = TokenizerSpec.characters().build(source);
 * try (TokenCorpus corpus = TokenCorpus.prepare(source, tok, runDir.resolve("tokens.bin"), 0.1)) {
 *     Batch batch = corpus.trainingBatches(16, 128, seed).batch(step);
 * }
 * }</pre>
 */
public final class TokenCorpus implements AutoCloseable {
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final double DEFAULT_VALIDATION_FRACTION = 0.1;

    private final TokenFile file;
    private final DataSplit split;

    private TokenCorpus(TokenFile file, DataSplit split) {
        this.file = file;
        this.split = split;
    }

    /** Tokenises {@code source} into {@code tokenFile} (atomically); returns the token count. */
    public static long write(CorpusSource source, Tokenizer tokenizer, Path tokenFile) throws IOException {
        int separator = tokenizer.specialTokenId(END_OF_TEXT);
        try (TokenFileWriter writer = new TokenFileWriter(tokenFile, tokenizer.vocabSize(), tokenizer.fingerprint(),
                source.fingerprint())) {
            source.forEachChunk((text, document, first) -> {
                if (first && document > 0 && separator >= 0) {
                    writer.append(new int[] {separator});
                }
                int[] ids;
                try {
                    ids = tokenizer.encode(text);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("corpus file " + source.documentName(document) + ": " + e.getMessage(), e);
                }
                writer.append(ids);
            });
            writer.commit();
            return writer.count();
        }
    }

    /**
     * Opens {@code tokenFile} if it was written from this source by this tokenizer (same
     * fingerprints), writing it first otherwise (also when it is damaged), and splits it.
     */
    public static TokenCorpus prepare(CorpusSource source, Tokenizer tokenizer, Path tokenFile, double validationFraction)
            throws IOException {
        if (Files.exists(tokenFile)) {
            TokenFile existing;
            try {
                existing = TokenFile.open(tokenFile);
            } catch (FileFormatException broken) {
                // a damaged cache is rebuilt like a stale one
                existing = null;
            }
            if (existing != null) {
                if (existing.tokenizerFingerprint() == tokenizer.fingerprint()
                        && existing.sourceFingerprint() == source.fingerprint()) {
                    return new TokenCorpus(existing, DataSplit.lastFraction(existing.size(), validationFraction));
                }
                existing.close();
            }
        }
        write(source, tokenizer, tokenFile);
        return open(tokenFile, tokenizer, validationFraction);
    }

    /** Opens an existing token file, which must have been written by {@code tokenizer}. */
    public static TokenCorpus open(Path tokenFile, Tokenizer tokenizer, double validationFraction) throws IOException {
        TokenFile file = TokenFile.open(tokenFile);
        if (file.tokenizerFingerprint() != tokenizer.fingerprint() || file.vocabSize() != tokenizer.vocabSize()) {
            file.close();
            throw new FileFormatException("token file " + tokenFile + " was written by another tokenizer (fingerprint "
                    + Long.toHexString(file.tokenizerFingerprint()) + ", vocabulary " + file.vocabSize() + "), not this "
                    + tokenizer.kind() + " tokenizer (fingerprint " + Long.toHexString(tokenizer.fingerprint())
                    + ", vocabulary " + tokenizer.vocabSize() + ")");
        }
        return new TokenCorpus(file, DataSplit.lastFraction(file.size(), validationFraction));
    }

    public TokenFile file() {
        return file;
    }

    public DataSplit split() {
        return split;
    }

    /** Random training batches, a pure function of (seed, step). */
    public BatchSampler trainingBatches(int batchSize, int contextLength, long seed) {
        return BatchSampler.training(file, split, batchSize, contextLength, seed);
    }

    /** The validation range in order. */
    public ValidationBatches validationBatches(int batchSize, int contextLength) {
        return ValidationBatches.of(file, split, batchSize, contextLength);
    }

    @Override
    public void close() {
        file.close();
    }
}
