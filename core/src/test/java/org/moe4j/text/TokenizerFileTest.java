package org.moe4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;

class TokenizerFileTest {
    @TempDir
    Path dir;

    @Test
    void everyKindSavesAndLoads() throws IOException {
        String sample = "Call me Ishmael. 🐳 naïve\r\n";
        List<Tokenizer> tokenizers = List.of(
                new ByteTokenizer(List.of("<|endoftext|>")),
                CharTokenizer.fromText(sample, true),
                BpeTrainer.train(sample.repeat(5), 20, List.of("<|endoftext|>")));
        for (Tokenizer t : tokenizers) {
            Path file = dir.resolve(t.kind() + ".json");
            t.save(file);
            Tokenizer back = Tokenizer.load(file);
            assertEquals(t.getClass(), back.getClass());
            assertEquals(t.vocabSize(), back.vocabSize());
            assertEquals(t.fingerprint(), back.fingerprint());
            assertArrayEquals(t.encode(sample), back.encode(sample));
            assertEquals(sample, back.decode(back.encode(sample)));
        }
        assertNotEquals(tokenizers.get(0).fingerprint(), new ByteTokenizer().fingerprint());
        assertTrue(Files.readString(dir.resolve("bpe.json")).startsWith("{\n  \"format\": \"moe4j-tokenizer\",\n  \"version\": 1,\n  \"kind\": \"bpe\""));
    }

    @Test
    void brokenFilesNameTheProblem() throws IOException {
        assertMessage("{\"format\": \"moe4j-tokenizer\", \"version\": 2, \"kind\": \"byte\"}",
                ": version is 2, this moe4j reads version 1");
        assertMessage("{\"format\": \"safetensors\", \"version\": 1}",
                ": format is \"safetensors\", expected \"moe4j-tokenizer\" (is this a tokenizer file?)");
        assertMessage("{\"version\": \"1.0\", \"added_tokens\": [], \"model\": {\"type\": \"BPE\"}}",
                " is a Hugging Face tokenizer.json, not a moe4j tokenizer file: read it with HfTokenizer.load (package org.moe4j.text.hf)");
        assertMessage("{\"format\": \"moe4j-tokenizer\", \"version\": 1, \"kind\": \"wordpiece\"}",
                ": kind is \"wordpiece\", expected one of \"byte\", \"char\", \"bpe\"");
        assertMessage("{\"format\": \"moe4j-tokenizer\", \"version\": 1, \"kind\": \"bpe\", \"merges\": [[97, 98], [97, 300]]}",
                ": field \"merges[1]\"[1] is 300, expected an integer in [0, 256]");
        assertMessage("{\"format\": \"moe4j-tokenizer\", \"version\": 1, \"kind\": \"char\", \"unknownToken\": false}",
                ": field \"codePoints\" is missing, expected an array");
        assertMessage("[1, 2]", ": expected a JSON object, found array");
        FileFormatException e = assertThrows(FileFormatException.class, () -> load("{\"format\": "));
        assertTrue(e.getMessage().startsWith("tokenizer file " + dir.resolve("t.json") + " is not valid JSON: "), e.getMessage());
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> Tokenizer.load(dir.resolve("none.json")));
        assertEquals(dir.resolve("none.json") + ": tokenizer file not found", missing.getMessage());
    }

    private void assertMessage(String content, String expectedSuffix) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> load(content));
        assertEquals("tokenizer file " + dir.resolve("t.json") + expectedSuffix, e.getMessage());
    }

    private Tokenizer load(String content) throws IOException {
        Path file = dir.resolve("t.json");
        Files.writeString(file, content);
        return Tokenizer.load(file);
    }
}
