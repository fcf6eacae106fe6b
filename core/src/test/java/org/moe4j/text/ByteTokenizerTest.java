package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class ByteTokenizerTest {
    @Test
    void idsAreTheUtf8Bytes() {
        ByteTokenizer t = new ByteTokenizer();
        assertEquals(256, t.vocabSize());
        assertArrayEquals(new int[] {0x68, 0xC3, 0xA9, 0xF0, 0x9F, 0x90, 0xB3}, t.encode("hé🐳"));
        assertEquals("byte", t.kind());
    }

    @Test
    void randomUnicodeRoundTrips() {
        ByteTokenizer t = new ByteTokenizer(List.of("<|endoftext|>"));
        Rng rng = new Rng(7);
        for (int i = 0; i < 200; i++) {
            String s = RandomText.of(rng, rng.nextInt(60));
            assertEquals(s, t.decode(t.encode(s)));
        }
    }

    @Test
    void specialTokensFollowTheBytesAndDecodeToTheirName() {
        ByteTokenizer t = new ByteTokenizer(List.of("<|endoftext|>", "<|pad|>"));
        assertEquals(258, t.vocabSize());
        assertEquals(256, t.specialTokenId("<|endoftext|>"));
        assertEquals(257, t.specialTokenId("<|pad|>"));
        assertEquals(-1, t.specialTokenId("<|unk|>"));
        assertEquals("a<|endoftext|>b", t.decode(new int[] {'a', 256, 'b'}));
        // the name in the input is ordinary text
        assertEquals(13, t.encode("<|endoftext|>").length);
    }

    @Test
    void invalidUtf8DecodesWithReplacementCharacters() {
        ByteTokenizer t = new ByteTokenizer();
        // stray continuation, truncated 3-byte sequence, overlong '/', encoded surrogate D800
        assertEquals("a\uFFFDb", t.decode(new int[] {'a', 0x80, 'b'}));
        assertEquals("a\uFFFDb", t.decode(new int[] {'a', 0xE2, 0x82, 'b'}));
        assertEquals("\uFFFD\uFFFD", t.decode(new int[] {0xC0, 0xAF}));
        assertEquals("\uFFFD", t.decode(new int[] {0xED, 0xA0, 0x80}));
        assertArrayEquals(new byte[] {(byte) 0xE2, (byte) 0x82}, t.decodeBytes(new int[] {0xE2, 0x82}));
    }

    @Test
    void badIdsAndSpecialNamesAreRejected() {
        ByteTokenizer t = new ByteTokenizer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {65, 256}));
        assertEquals("ByteTokenizer.decode: id 256 at position 1 is out of range [0, 256)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
        e = assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(List.of("<a>", "<a>")));
        assertEquals("special tokens: \"<a>\" appears twice; names must be distinct", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(List.of("")));
    }
}
