package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class PreTokenizerTest {
    static List<String> pieces(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        PreTokenizer.split(b, 0, b.length, (s, e) -> out.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void splitsBeforeSpacesAndBetweenClasses() {
        assertEquals(List.of("Call", " me", " Ishmael", ".", " Some", " years", " ago", "--", "never"),
                pieces("Call me Ishmael. Some years ago--never"));
        assertEquals(List.of("In", " 1851", ",", "\r\n", "  ", " whale", "\n\n"), pieces("In 1851,\r\n   whale\n\n"));
        assertEquals(List.of("naïve", " café", " 🐳", "\u0000", "x", "   "), pieces("naïve café 🐳\u0000x   "));
        assertEquals(List.of(" ", "\t", "\"", "Oh", "!\""), pieces(" \t\"Oh!\""));
    }

    @Test
    void mobyDickHas267171PiecesOf25332Kinds() {
        byte[] b = org.moe4j.data.BundledText.mobyDickBytes();
        java.util.Set<String> distinct = new java.util.HashSet<>();
        int[] count = {0};
        PreTokenizer.split(b, 0, b.length, (s, e) -> {
            count[0]++;
            distinct.add(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
        });
        assertEquals(267_171, count[0]);
        assertEquals(25_332, distinct.size());
    }

    @Test
    void longPiecesAreCutAtCharacterStarts() {
        String word = "a".repeat(63) + "é" + "b".repeat(100);
        List<String> parts = pieces(word + " x");
        // 63 + 2 bytes would pass 64: the cut moves back before "é"
        assertEquals(List.of("a".repeat(63), "é" + "b".repeat(62), "b".repeat(38), " x"), parts);
        for (String p : pieces(RandomText.of(new Rng(8), 5000).replace(" ", "").replace("\r\n", ""))) {
            int n = p.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(n >= 1 && n <= PreTokenizer.MAX_PIECE_BYTES, "piece of " + n + " bytes");
        }
    }

    @Test
    void piecesCoverTheInputAndSafeCutsKeepThem() {
        Rng rng = new Rng(21);
        for (int trial = 0; trial < 200; trial++) {
            String text = RandomText.of(rng, 1 + rng.nextInt(60));
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            List<String> whole = pieces(text);
            assertEquals(text, String.join("", whole));
            for (int at = 1; at < b.length; at++) {
                if (PreTokenizer.isSafeCut(b, at)) {
                    List<String> cut = new ArrayList<>();
                    PreTokenizer.split(b, 0, at, (s, e) -> cut.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
                    PreTokenizer.split(b, at, b.length, (s, e) -> cut.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
                    assertEquals(whole, cut, "cut at " + at + " of " + text);
                }
            }
        }
    }
}
