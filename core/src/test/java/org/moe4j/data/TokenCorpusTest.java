package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.text.ByteTokenizer;
import org.moe4j.text.CharTokenizer;
import org.moe4j.text.Tokenizer;

class TokenCorpusTest {
    @TempDir
    Path dir;

    @Test
    void mobyDickWithCharactersTokenisesOnceAndDecodesBack() throws IOException {
        String moby = BundledText.mobyDick();
        CharTokenizer chars = CharTokenizer.fromText(moby);
        Path tokens = dir.resolve("tokens.bin");
        try (TokenCorpus corpus = TokenCorpus.prepare(CorpusSource.mobyDick(), chars, tokens, 0.1)) {
            assertEquals(1_190_317, corpus.file().size());
            assertEquals(moby.codePointCount(0, moby.length()), corpus.file().size());
            assertEquals(83, corpus.file().vocabSize());
            assertEquals(new DataSplit(0, 1_071_285, 1_071_285, 119_032), corpus.split());
            int[] head = new int[200];
            corpus.file().read(0, head, 0, head.length);
            assertEquals(moby.substring(0, 200), chars.decode(head));
            Batch batch = corpus.trainingBatches(4, 64, 1).batch(0);
            assertEquals(4 * 64, batch.inputs().length);
            assertTrue(corpus.validationBatches(16, 256).windows() > 400);
        }
        FileTime written = Files.getLastModifiedTime(tokens);
        try (TokenCorpus again = TokenCorpus.prepare(CorpusSource.mobyDick(), chars, tokens, 0.1)) {
            assertEquals(written, Files.getLastModifiedTime(tokens), "same source and tokenizer: the file is reused");
            assertEquals(moby.codePointCount(0, moby.length()), again.file().size());
        }
        try (TokenCorpus bytes = TokenCorpus.prepare(CorpusSource.mobyDick(), new ByteTokenizer(), tokens, 0.1)) {
            assertEquals(1_204_997, bytes.file().size(), "another tokenizer: the file is rebuilt");
        }
    }

    @Test
    void documentsAreJoinedWithEndOfTextWhenTheTokenizerHasIt() throws IOException {
        Files.writeString(dir.resolve("a.txt"), "ab");
        Files.writeString(dir.resolve("b.txt"), "c");
        Tokenizer tok = new ByteTokenizer(List.of(TokenCorpus.END_OF_TEXT));
        Path tokens = dir.resolve("out/tokens.bin");
        assertEquals(4, TokenCorpus.write(CorpusSource.of(dir), tok, tokens));
        try (TokenFile file = TokenFile.open(tokens)) {
            int[] ids = new int[4];
            file.read(0, ids, 0, 4);
            assertArrayEquals(new int[] {'a', 'b', 256, 'c'}, ids);
        }
        assertEquals(3, TokenCorpus.write(CorpusSource.of(dir), new ByteTokenizer(), dir.resolve("out/plain.bin")));
    }

    @Test
    void openingWithAnotherTokenizerIsRefused() throws IOException {
        Path tokens = dir.resolve("tokens.bin");
        Files.writeString(dir.resolve("a.txt"), "hello");
        TokenCorpus.write(CorpusSource.of(dir.resolve("a.txt")), new ByteTokenizer(), tokens);
        CharTokenizer other = CharTokenizer.fromText("helo");
        FileFormatException e = assertThrows(FileFormatException.class, () -> TokenCorpus.open(tokens, other, 0.1));
        assertTrue(e.getMessage().startsWith("token file " + tokens + " was written by another tokenizer (fingerprint "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", vocabulary 4)"), e.getMessage());
    }

    @Test
    void aBinaryFileLeavesNoTokenFile() throws IOException {
        Path bin = dir.resolve("data.txt");
        Files.write(bin, new byte[2000]);
        Path tokens = dir.resolve("tokens.bin");
        FileFormatException e = assertThrows(FileFormatException.class,
                () -> TokenCorpus.prepare(CorpusSource.of(bin), new ByteTokenizer(), tokens, 0.1));
        assertTrue(e.getMessage().startsWith("corpus file " + bin + " looks binary"), e.getMessage());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(bin), files.toList());
        }
    }
}
