package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moe4j.data.BundledText;
import org.moe4j.tensor.Rng;

class BytePairEncodingTest {
    static String moby;
    static BytePairEncoding bpe;

    @BeforeAll
    static void train() {
        moby = BundledText.mobyDick();
        bpe = BpeTrainer.train(moby.substring(0, 200_000), 500, List.of("<|endoftext|>"));
    }

    @Test
    void vocabularyIsBytesMergesAndSpecials() {
        assertEquals(500, bpe.numMerges());
        assertEquals(256 + 500 + 1, bpe.vocabSize());
        assertEquals(756, bpe.specialTokenId("<|endoftext|>"));
        assertEquals("<|endoftext|>", bpe.decode(new int[] {756}));
    }

    @Test
    void randomUnicodeRoundTripsExactly() {
        Rng rng = new Rng(3);
        for (int i = 0; i < 300; i++) {
            String s = RandomText.of(rng, rng.nextInt(80));
            int[] ids = bpe.encode(s);
            assertEquals(s, bpe.decode(ids), "case " + i);
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), bpe.decodeBytes(ids), "case " + i);
        }
    }

    @Test
    void mobyDickRoundTripsAndCompresses() {
        String text = moby.substring(300_000, 400_000);
        int[] ids = bpe.encode(text);
        assertEquals(text, bpe.decode(ids));
        double bytesPerToken = (double) text.getBytes(StandardCharsets.UTF_8).length / ids.length;
        assertTrue(bytesPerToken > 2.0, "bytes per token " + bytesPerToken);
    }

    @Test
    void cachedEncodingAgreesWithPieceByPieceReference() {
        String text = moby.substring(500_000, 520_000) + RandomText.of(new Rng(5), 500);
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        IntList reference = new IntList(16);
        PreTokenizer.split(bytes, 0, bytes.length, (s, e) -> reference.addAll(bpe.encodePiece(bytes, s, e)));
        assertArrayEquals(reference.toArray(), bpe.encode(text));
        assertArrayEquals(reference.toArray(), bpe.encode(text), "second pass served from the cache");
    }

    @Test
    void aMegabyteWithoutSpacesEncodesQuicklyAndRoundTrips() {
        StringBuilder sb = new StringBuilder();
        Rng rng = new Rng(12);
        while (sb.length() < 1_000_000) {
            sb.append((char) ('a' + rng.nextInt(26)));
        }
        String blob = sb.toString();
        // this thread's CPU time, not the wall clock: other jobs on a shared machine do not count
        java.lang.management.ThreadMXBean clock = java.lang.management.ManagementFactory.getThreadMXBean();
        long start = clock.getCurrentThreadCpuTime();
        int[] ids = bpe.encode(blob);
        double seconds = (clock.getCurrentThreadCpuTime() - start) / 1e9;
        assertEquals(blob, bpe.decode(ids));
        // the 64-byte piece cap keeps the work linear in the length: one pass per merge round over 64 bytes, not 1 MB
        assertTrue(seconds < 5, "encoding took " + seconds + " s of CPU time");
    }

    @Test
    void idsFormingInvalidUtf8DecodeWithReplacement() {
        Rng rng = new Rng(9);
        for (int i = 0; i < 200; i++) {
            int[] ids = new int[1 + rng.nextInt(20)];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = rng.nextInt(bpe.vocabSize());
            }
            String text = bpe.decode(ids);
            assertEquals(Utf8.decode(bpe.decodeBytes(ids)), text);
        }
        assertEquals("\uFFFD", bpe.decode(new int[] {0xFF}));
    }

    @Test
    void invalidMergeTablesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BytePairEncoding(new int[][] {{97, 98}, {256, 258}}, List.of()));
        assertEquals("BytePairEncoding: merge 1 uses id 258, allowed are bytes and earlier merges, [0, 257)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new BytePairEncoding(new int[][] {{97, 98}, {97, 98}}, List.of()));
        assertEquals("BytePairEncoding: merge 1 (97, 98) repeats merge 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bpe.decode(new int[] {757}));
        assertEquals("BytePairEncoding.decode: id 757 at position 0 is out of range [0, 757)", e.getMessage());
    }
}
