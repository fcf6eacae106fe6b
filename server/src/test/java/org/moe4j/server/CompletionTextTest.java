package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.text.ByteTokenizer;
import org.moe4j.text.Tokenizer;

class CompletionTextTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A byte tokenizer's decoder fed the bytes of {@code pieces}, one id per byte. */
    private static String decodeBytes(TokenDecoder d, byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) out.append(d.add(b & 0xFF));
        return out.toString();
    }

    @Test
    void aStopStringSplitAcrossTokensIsHeldBackThenCut() {
        CompletionText t = new CompletionText(List.of("END"));
        assertFalse(t.add("abc E"));
        assertEquals("abc ", t.takeSendable(), "'E' may start END: held back");
        assertFalse(t.add("N"));
        assertEquals("", t.takeSendable());
        assertTrue(t.add("Dxyz"));
        assertEquals("", t.takeRest(), "the stop string and what follows are not sent");
        assertEquals("abc ", t.text());
    }

    @Test
    void aFalseStartIsReleasedOnceItCannotBeAStopString() {
        CompletionText t = new CompletionText(List.of("END", "\n\n"));
        assertFalse(t.add("EN"));
        assertEquals("", t.takeSendable());
        assertFalse(t.add("X\n"));
        assertEquals("ENX", t.takeSendable());
        assertFalse(t.add("y"));
        assertEquals("\ny", t.takeSendable());
        assertEquals("", t.takeRest());
    }

    @Test
    void aCharacterSplitAcrossTokensIsSentWhole() {
        byte[] euro = utf8("\u20ac");
        TokenDecoder d = TokenDecoder.of(new ByteTokenizer());
        assertEquals("a", decodeBytes(d, new byte[] {'a', euro[0]}));
        assertEquals("", decodeBytes(d, new byte[] {euro[1]}));
        assertEquals("\u20acb", decodeBytes(d, new byte[] {euro[2], 'b'}));
        assertEquals("", decodeBytes(d, new byte[] {euro[0]}));
        assertEquals("\ufffd", d.flush(), "an unfinished character at the end is a replacement character");
        assertEquals("", d.flush());
    }

    @Test
    void decodingCostsTheSameForTheLastTokenAsForTheFirst() {
        // the old decoder decoded the whole completion again for every token: counting the bytes the
        // tokenizer is asked for shows each token is decoded once
        int[] asked = new int[1];
        Tokenizer counting = new ClientFacingErrorsTest.DelegatingTokenizer(new ByteTokenizer()) {
            @Override
            public byte[] decodeBytes(int[] ids) {
                asked[0] += ids.length;
                return super.decodeBytes(ids);
            }
        };
        TokenDecoder d = TokenDecoder.of(counting);
        CompletionText t = new CompletionText(List.of("STOP"));
        for (int i = 0; i < 5000; i++) {
            t.add(d.add('a' + i % 26));
            t.takeSendable();
        }
        assertEquals(5000, asked[0]);
        assertEquals(5000, t.text().length());
    }

    @Test
    void sentPiecesAlwaysAddUpToTheTextCutAtTheFirstStop() {
        Rng rng = new Rng(3);
        String alphabet = "ab\u00e9\u20ac";
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder whole = new StringBuilder();
            for (int i = 0, n = 1 + rng.nextInt(30); i < n; i++) whole.append(alphabet.charAt(rng.nextInt(alphabet.length())));
            String stop = "ab\u00e9".substring(rng.nextInt(2), 2 + rng.nextInt(2));
            byte[] bytes = utf8(whole.toString());
            CompletionText t = new CompletionText(List.of(stop));
            TokenDecoder d = TokenDecoder.of(new ByteTokenizer());
            StringBuilder sent = new StringBuilder();
            boolean stopped = false;
            for (int at = 0; at < bytes.length && !stopped; ) {
                int len = Math.min(bytes.length - at, 1 + rng.nextInt(3));
                stopped = t.add(decodeBytes(d, java.util.Arrays.copyOfRange(bytes, at, at + len)));
                at += len;
                if (!stopped) sent.append(t.takeSendable());
            }
            if (!stopped) stopped = t.add(d.flush());
            sent.append(t.takeRest());
            int cut = whole.indexOf(stop);
            assertEquals(cut < 0 ? whole.toString() : whole.substring(0, cut), sent.toString(), whole + " stop " + stop);
            assertEquals(cut >= 0, stopped);
        }
    }

    @Test
    void completeUtf8PrefixStopsBeforeAnUnfinishedCharacter() {
        byte[] euro = utf8("\u20ac");
        assertEquals(0, TokenDecoder.Utf8Pieces.completeUtf8Prefix(new byte[] {euro[0], euro[1]}));
        assertEquals(3, TokenDecoder.Utf8Pieces.completeUtf8Prefix(euro));
        assertEquals(1, TokenDecoder.Utf8Pieces.completeUtf8Prefix(new byte[] {'x', euro[0]}));
        assertEquals(2, TokenDecoder.Utf8Pieces.completeUtf8Prefix(new byte[] {'x', (byte) 0x80}), "a stray continuation byte is not waited for");
    }
}
