package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.moe4j.data.BundledText;

class CharTokenizerTest {
    @Test
    void mobyDickHas83CharactersAndRoundTrips() {
        String text = BundledText.mobyDick();
        CharTokenizer t = CharTokenizer.fromText(text);
        assertEquals(83, t.vocabSize());
        assertEquals('\n', t.codePointOf(0));
        int[] ids = t.encode(text);
        assertEquals(text.codePointCount(0, text.length()), ids.length);
        assertEquals(text, t.decode(ids));
    }

    @Test
    void idsAreSortedCodePoints() {
        CharTokenizer t = CharTokenizer.fromText("cab🐳a");
        assertEquals(4, t.vocabSize());
        assertArrayEquals(new int[] {2, 0, 1, 3, 0}, t.encode("cab🐳a"));
        assertEquals("🐳ab", t.decode(new int[] {3, 0, 1}));
    }

    @Test
    void strictTokenizerNamesAnUnknownCharacter() {
        CharTokenizer t = CharTokenizer.fromText("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("ab€"));
        assertEquals("CharTokenizer.encode: character U+20AC (EURO SIGN) at index 2 is not in the vocabulary of 3 characters",
                e.getMessage());
        assertEquals(-1, t.specialTokenId(CharTokenizer.UNKNOWN));
    }

    @Test
    void unknownTokenIsTheLastIdAndDecodesToReplacement() {
        CharTokenizer t = CharTokenizer.fromText("abc", true);
        assertEquals(4, t.vocabSize());
        assertEquals(3, t.specialTokenId(CharTokenizer.UNKNOWN));
        assertArrayEquals(new int[] {0, 3, 2}, t.encode("a€c"));
        assertEquals("a\uFFFDc", t.decode(t.encode("a€c")));
    }

    @Test
    void emptyVocabularyAndBadIdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromText(""));
        CharTokenizer t = CharTokenizer.fromText("ab");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {2}));
        assertEquals("CharTokenizer.decode: id 2 at position 0 is out of range [0, 2)", e.getMessage());
    }
}
