package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.text.BytePairEncoding;
import org.moe4j.text.CharTokenizer;
import org.moe4j.text.Tokenizer;

class TokenizerSpecTest {
    @TempDir
    Path dir;

    @Test
    void eachKindBuildsFromTheCorpus() throws IOException {
        Path file = Files.writeString(dir.resolve("a.txt"), "the whale, the whale, the sea\n".repeat(50));
        CorpusSource source = CorpusSource.of(file);
        Tokenizer chars = TokenizerSpec.characters().build(source);
        assertEquals(CharTokenizer.class, chars.getClass());
        assertEquals("\n ,aehlstw".length(), chars.vocabSize());
        Tokenizer bytes = TokenizerSpec.bytes().build(source);
        assertEquals(257, bytes.vocabSize());
        assertEquals(256, bytes.specialTokenId(TokenCorpus.END_OF_TEXT));
        BytePairEncoding bpe = (BytePairEncoding) TokenizerSpec.bpe(5).build(source);
        assertEquals(5, bpe.numMerges());
        assertEquals(256 + 5, bpe.specialTokenId(TokenCorpus.END_OF_TEXT));
    }

    @Test
    void fieldsAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenizerSpec("word", 0, 1));
        assertEquals("TokenizerSpec: kind is \"word\", must be one of \"char\", \"byte\", \"bpe\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TokenizerSpec("char", 10, 1));
        assertEquals("TokenizerSpec: merges is 10, must be >= 0, and 0 unless kind is \"bpe\"", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TokenizerSpec.bpe(-1));
        assertEquals("TokenizerSpec: merges is -1, must be >= 0, and 0 unless kind is \"bpe\"", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TokenizerSpec("bpe", 10, 0));
    }

    @Test
    void aCharacterTheTokenizerLacksNamesTheCorpusFile() throws IOException {
        Path file = Files.writeString(dir.resolve("b.txt"), "abc€");
        CharTokenizer abc = CharTokenizer.fromText("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenCorpus.write(CorpusSource.of(file), abc, dir.resolve("t.bin")));
        assertEquals("corpus file " + file + ": CharTokenizer.encode: character U+20AC (EURO SIGN) at index 3 is not in the"
                + " vocabulary of 3 characters", e.getMessage());
        assertTrue(Files.notExists(dir.resolve("t.bin")));
    }
}
