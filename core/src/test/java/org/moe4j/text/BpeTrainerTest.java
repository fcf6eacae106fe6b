package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

@Tag("slow")
class BpeTrainerTest {
    @Test
    void learnsTheTextbookMergeSequence() {
        // "aaabdaaabac" (one piece): aa x4 -> Z=256; then ab and Za both 2, ab has the smaller left id -> 257;
        // then (Z, ab) x2 -> 258; then four pairs of count 1 remain, below minCount 2
        BytePairEncoding bpe = BpeTrainer.train("aaabdaaabac", 10, List.of());
        assertEquals(3, bpe.numMerges());
        assertArrayEquals(new int[] {'a', 'a'}, bpe.merge(0));
        assertArrayEquals(new int[] {'a', 'b'}, bpe.merge(1));
        assertArrayEquals(new int[] {256, 257}, bpe.merge(2));
        assertArrayEquals(new int[] {258, 'd', 258, 'a', 'c'}, bpe.encode("aaabdaaabac"));
        assertEquals("aaab", new String(bpe.tokenBytes(258), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void minCountOneMergesUntilPiecesAreWhole() {
        BytePairEncoding bpe = BpeTrainer.train("aaabdaaabac", 10, 1, List.of());
        // after the three merges above: (a, c) is the smallest left id among the count-1 pairs
        assertArrayEquals(new int[] {'a', 'c'}, bpe.merge(3));
        assertEquals(1, bpe.encode("aaabdaaabac").length);
    }

    @Test
    void mergesNeverCrossPieces() {
        // pieces "the" x1, " the" x2, " cat" x3, "." x3: every pair inside them occurs at least twice
        BytePairEncoding bpe = BpeTrainer.train("the cat. the cat. the cat.", 50, List.of());
        List<String> tokens = new ArrayList<>();
        for (int id : bpe.encode("the cat. the")) {
            tokens.add(new String(bpe.tokenBytes(id), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(List.of("the", " cat", ".", " the"), tokens);
    }

    @Test
    void incrementalTrainerAgreesWithRecountingReference() {
        Rng rng = new Rng(11);
        String[] words = {"the", "whale", "sea", "ship", "ahab", "white", "wha", "ea", "aa", "a"};
        for (int trial = 0; trial < 5; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 400; i++) {
                sb.append(i % 13 == 0 ? "\n" : " ").append(words[rng.nextInt(words.length)]);
                if (rng.nextInt(6) == 0) {
                    sb.append(rng.nextInt(3) == 0 ? "aaaa" : ",");
                }
            }
            String text = trial == 4 ? RandomText.of(rng, 3000) + sb : sb.toString();
            BytePairEncoding fast = BpeTrainer.train(text, 60, List.of());
            List<int[]> reference = referenceMerges(text, 60, 2);
            assertEquals(reference.size(), fast.numMerges(), "trial " + trial);
            for (int i = 0; i < reference.size(); i++) {
                assertArrayEquals(reference.get(i), fast.merge(i), "trial " + trial + " merge " + i);
            }
        }
    }

    @Test
    void mobyDickFiguresQuotedInTheDocs() {
        String moby = org.moe4j.data.BundledText.mobyDick();
        BytePairEncoding bpe = BpeTrainer.train(moby, 4096, List.of());
        assertEquals(4096, bpe.numMerges());
        List<String> first = new ArrayList<>();
        for (int id = 256; id < 260; id++) {
            first.add(new String(bpe.tokenBytes(id), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(List.of(" t", "he", " a", "in"), first);
        int tokens = bpe.encode(moby).length;
        assertEquals("3.492", String.format(java.util.Locale.ROOT, "%.3f", 1_204_997.0 / tokens));
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train("x", -1, List.of()));
        assertEquals("BpeTrainer.train: numMerges is -1, must be >= 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train("x", 1, 0, List.of()));
        assertEquals(0, BpeTrainer.train("", 5, List.of()).numMerges());
    }

    /** Sennrich et al.'s algorithm as written: recount every pair of every piece before each merge. */
    static List<int[]> referenceMerges(String text, int numMerges, long minCount) {
        Map<String, long[]> pieces = BpeTrainer.countPieces(text);
        List<int[]> symbols = new ArrayList<>();
        List<Long> freq = new ArrayList<>();
        for (Map.Entry<String, long[]> e : pieces.entrySet()) {
            symbols.add(e.getKey().chars().toArray());
            freq.add(e.getValue()[0]);
        }
        List<int[]> merges = new ArrayList<>();
        for (int m = 0; m < numMerges; m++) {
            Map<Long, Long> counts = new HashMap<>();
            for (int w = 0; w < symbols.size(); w++) {
                int[] s = symbols.get(w);
                for (int i = 0; i + 1 < s.length; i++) {
                    counts.merge(PairMap.key(s[i], s[i + 1]), freq.get(w), Long::sum);
                }
            }
            long bestKey = -1;
            long bestCount = 0;
            for (Map.Entry<Long, Long> e : counts.entrySet()) {
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < bestKey)) {
                    bestKey = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (bestCount < minCount) {
                break;
            }
            int left = (int) (bestKey >>> 32), right = (int) bestKey;
            merges.add(new int[] {left, right});
            for (int w = 0; w < symbols.size(); w++) {
                int[] s = symbols.get(w);
                List<Integer> out = new ArrayList<>();
                for (int i = 0; i < s.length; i++) {
                    if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                        out.add(256 + m);
                        i++;
                    } else {
                        out.add(s[i]);
                    }
                }
                symbols.set(w, out.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        return merges;
    }
}
