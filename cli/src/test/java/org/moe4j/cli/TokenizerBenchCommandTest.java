package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerBenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsTimesSpeedAndTheIdCount() throws Exception {
        Path tokenizer = Path.of(TokenizerBenchCommandTest.class.getResource("tiny-tokenizer.json").toURI());
        // "Hello world" is 8 ids with this tokenizer (see TokenizeCommandTest), so 100 copies on lines of their own are 100 * 8 + 99 newline ids
        Path text = Files.writeString(dir.resolve("t.txt"), String.join("\n", java.util.Collections.nCopies(100, "Hello world")));
        StdoutRun r = StdoutRun.of("bench", "tokenizer", tokenizer.toString(), "--text", text.toString(), "--runs", "3", "--warmup", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("tokenizer \\d+\\.\\d{3} \\d+\\.\\d{4} \\d+\\.\\d{4} \\d+\\.\\d{4} \\d+\\.\\d{2} \\d+ 1199\n"), r.out());
        int ids = Integer.parseInt(r.out().trim().split(" ")[6]);
        assertEquals(100 * 8 + 99, ids);
        StdoutRun bad = StdoutRun.of("bench", "tokenizer", tokenizer.toString(), "--text", text.toString(), "--runs", "0");
        assertEquals(2, bad.exitCode());
        assertEquals("moe4j tokenizer: bench tokenizer: warm-up calls 3 (must be >= 0) and runs 0 (must be >= 1)\n", bad.err());
    }
}
