package org.moe4j.text.hf;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.data.BundledText;

/** The heap merge ({@link BpeModel#mergeAll}) against the plain quadratic one on every distinct word of Moby-Dick and on random bytes. */
@Tag("slow")
class BpeMergeTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gptoss", "deepseek_v3"})
    void theHeapMergeAgreesWithThePlainOne(String key) {
        HfTokenizer tok = Fixtures.tokenizer(key);
        BpeModel model = tok.model();
        String moby = new String(BundledText.mobyDickBytes(), StandardCharsets.UTF_8).substring(0, 300_000);
        Set<String> words = new HashSet<>(tok.preTokenize(moby));
        Random rng = new Random(3);
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = new byte[1 + rng.nextInt(30)];
            for (int j = 0; j < bytes.length; j++) {
                // mostly letters and spaces, so that many merges apply
                bytes[j] = (byte) (rng.nextInt(4) == 0 ? rng.nextInt(256) : "etaoin shrdlu".charAt(rng.nextInt(13)));
            }
            char[] chars = new char[bytes.length];
            for (int j = 0; j < bytes.length; j++) {
                chars[j] = ByteLevel.byteChar(bytes[j]);
            }
            words.add(new String(chars));
        }
        int merged = 0;
        for (String word : words) {
            int[] symbols = new int[word.length()];
            for (int i = 0; i < symbols.length; i++) {
                symbols[i] = model.tokenId(word.substring(i, i + 1));
            }
            int[] fast = model.mergeAll(symbols.clone());
            assertArrayEquals(model.mergeAllReference(symbols), fast, word);
            merged += symbols.length - fast.length;
        }
        assertTrue(words.size() > 10_000 && merged > 20_000, words.size() + " words, " + merged + " merges");
    }
}
