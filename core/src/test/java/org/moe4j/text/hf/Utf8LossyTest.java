package org.moe4j.text.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8Lossy} against what the tokenizers library's ByteLevel decoder gives for the same
 * bytes (qwen3's single-byte tokens, decoded with tokenizers 0.23.2; Python's
 * {@code bytes.decode("utf-8", "replace")} gives the same), and against the JDK's strict decoder
 * wherever the bytes are valid UTF-8.
 */
class Utf8LossyTest {
    private static String decode(String hex) {
        return Utf8Lossy.decode(HexFormat.ofDelimiter(" ").parseHex(hex));
    }

    @Test
    void eachMaximalIllFormedPartIsOneReplacementAsTheLibraryGives() {
        String r = "\uFFFD";
        assertEquals(r + r + r, decode("ed a0 80"), "an encoded surrogate: ED is not followed by A0 here, so three parts");
        assertEquals(r, decode("e2 82"));
        assertEquals(r + r, decode("c0 af"));
        assertEquals(r, decode("f0 9f 98"));
        assertEquals("😀", decode("f0 9f 98 80"));
        assertEquals(r, decode("ff"));
        assertEquals(r + "A", decode("80 41"));
        assertEquals(r + r + r, decode("e0 80 80"));
        assertEquals(r + r + r + r, decode("f4 90 80 80"));
        assertEquals(r + r + r + r + r, decode("f8 88 80 80 80"));
        assertEquals("€", decode("e2 82 ac"));
        assertEquals(r, decode("c2"));
        assertEquals("A" + r + "(" + r, decode("41 e2 28 a1"));
        assertEquals("\uD7FF", decode("ed 9f bf"));
        assertEquals(r, decode("ef bf bd"));
        assertEquals(r, decode("f0 90 80"));
    }

    @Test
    void validUtf8DecodesAsTheJdkDecodesIt() {
        Random rng = new Random(9);
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int i = rng.nextInt(20); i > 0; i--) {
                int cp = rng.nextInt(0x110000);
                if (cp < 0xD800 || cp > 0xDFFF) {
                    sb.appendCodePoint(cp);
                }
            }
            byte[] utf8 = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(sb.toString(), Utf8Lossy.decode(utf8));
        }
    }
}
