package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeBenchCommandTest {
    @TempDir
    Path dir;

    private static StdoutRun run(String... args) {
        return StdoutRun.of(args);
    }

    @Test
    void printsOneLinePerMergeCount() throws IOException {
        Path corpus = Files.writeString(dir.resolve("small.txt"), "the whale, the sea, the ship\n".repeat(200));
        StdoutRun r = run("bench", "bpe", "--corpus", corpus.toString(), "--merges", "5,10", "--runs", "1");
        assertEquals(0, r.exitCode(), r.err());
        String line = " \\d+\\.\\d\\d \\d+\\.\\d{3} \\d+\\.\\d{3} \\d+\\.\\d\n";
        assertTrue(r.out().matches("bpe 5" + line + "bpe 10" + line), r.out());
        // pure ASCII: bytes and characters per token agree
        String[] fields = r.out().split("\n")[1].split(" ");
        assertEquals(fields[3], fields[4]);
        StdoutRun heldOut = run("bench", "bpe", "--corpus", corpus.toString(), "--merges", "10", "--runs", "1", "--held-out", "0.1");
        assertEquals(0, heldOut.exitCode(), heldOut.err());
        assertTrue(heldOut.out().matches("bpe 10" + line), heldOut.out());
        StdoutRun bad = run("bench", "bpe", "--corpus", corpus.toString(), "--held-out", "1");
        assertEquals(2, bad.exitCode());
        assertEquals("moe4j bpe: --held-out is 1.0, must be in [0, 1)\n", bad.err());
    }

    @Test
    void aMissingOrBinaryCorpusGivesOneLineAndExitCode2() throws IOException {
        StdoutRun missing = run("bench", "bpe", "--corpus", dir.resolve("none.txt").toString());
        assertEquals(2, missing.exitCode());
        assertEquals("moe4j bpe: " + dir.resolve("none.txt") + ": corpus file or folder not found\n", missing.err());
        Path bin = Files.write(dir.resolve("bin.txt"), new byte[100]);
        StdoutRun binary = run("bench", "bpe", "--corpus", bin.toString());
        assertEquals(2, binary.exitCode());
        assertTrue(binary.err().startsWith("moe4j bpe: corpus file " + bin + " looks binary: 100 NUL bytes"), binary.err());
    }
}
