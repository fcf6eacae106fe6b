package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
@Tag("slow")
class DecodeBenchCommandTest {
    @TempDir
    static Path dir;

    /** A one-step run of a tiny model with a context of 64 tokens. */
    private static String runDir;

    @BeforeAll
    static void trainATinyRun() {
        runDir = dir.resolve("run").toString();
        StdoutRun train = StdoutRun.trainTinyRun(runDir);
        assertEquals(0, train.exitCode(), train.err());
    }

    @Test
    void benchDecodePrintsTheModelAndOneTableRowPerBatchSize() {
        StdoutRun bench = StdoutRun.of("bench", "decode", runDir, "--batch-sizes", "1,2", "--prompt-tokens", "3", "--steps", "2",
                "--rounds", "3", "--warm-up", "0", "--threads", "1");
        assertEquals(0, bench.exitCode(), bench.err());
        String[] lines = bench.out().split("\n");
        assertEquals(8, lines.length, bench.out());
        assertTrue(lines[0].matches("model: " + java.util.regex.Pattern.quote(runDir) + " \\(moe4j\\): 1 layers, width 16, context 64, vocabulary \\d+"),
                lines[0]);
        assertTrue(lines[7].matches("peak RSS \\d+\\.\\d\\d GiB"), lines[7]);
        assertTrue(lines[1].contains("3-token prompts") && lines[1].contains("2 greedy steps") && lines[1].contains("over 1 rounds after at least 2 warm-up rounds and 0.0 s"),
                lines[1]);
        assertEquals("", lines[2]);
        assertEquals("| batch | median step (ms) | min step (ms) | tokens/s | vs B=1 |", lines[3]);
        String number = "(\\d+\\.\\d+)";
        java.util.regex.Pattern row = java.util.regex.Pattern.compile(
                "\\| (\\d+) \\| " + number + " \\| " + number + " \\| (\\d+) \\| (\\d+\\.\\d\\d)x \\|");
        for (int i = 0; i < 2; i++) {
            var m = row.matcher(lines[5 + i]);
            assertTrue(m.matches(), lines[5 + i]);
            assertEquals(i + 1, Integer.parseInt(m.group(1)));
            double median = Double.parseDouble(m.group(2));
            double min = Double.parseDouble(m.group(3));
            assertTrue(median > 0 && min > 0 && min <= median, lines[5 + i]);
            assertTrue(Long.parseLong(m.group(4)) > 0, lines[5 + i]);
            if (i == 0) assertEquals("1.00", m.group(5), lines[5]);
        }
    }

    @Test
    void aPromptAndStepsBeyondTheContextAreRefusedNamingTheContextLength() {
        StdoutRun bench = StdoutRun.of("bench", "decode", runDir, "--prompt-tokens", "60", "--steps", "5", "--rounds", "3");
        assertEquals(2, bench.exitCode());
        assertEquals("", bench.out(), "refused before anything is printed");
        assertEquals("moe4j decode: --prompt-tokens 60 + --steps 5 = 65 tokens per sequence, more than the model's context length 64\n",
                bench.err());
    }

    @Test
    void badBatchSizesStepsRoundsAndThreadsAreRefusedNamingTheOption() {
        StdoutRun batch = StdoutRun.of("bench", "decode", runDir, "--batch-sizes", "1,0");
        assertEquals(2, batch.exitCode());
        assertEquals("moe4j decode: --batch-sizes has 0, each batch size must be >= 1\n", batch.err());
        StdoutRun rounds = StdoutRun.of("bench", "decode", runDir, "--rounds", "2");
        assertEquals(2, rounds.exitCode());
        assertEquals("moe4j decode: --rounds is 2, must be >= 3 (the first 2 rounds are warm-up and not counted)\n", rounds.err());
        StdoutRun warmUp = StdoutRun.of("bench", "decode", runDir, "--warm-up", "-1");
        assertEquals(2, warmUp.exitCode());
        assertEquals("moe4j decode: --warm-up is -1.0, must be between 0 and 3600 seconds\n", warmUp.err());
        StdoutRun steps = StdoutRun.of("bench", "decode", runDir, "--steps", "0");
        assertEquals(2, steps.exitCode());
        assertEquals("moe4j decode: --steps is 0, must be >= 1\n", steps.err());
        StdoutRun threads = StdoutRun.of("bench", "decode", runDir, "--threads", "0");
        assertEquals(2, threads.exitCode());
        assertEquals("", threads.out(), "nothing on standard output before the refusal");
        assertTrue(threads.err().contains("0 threads requested, must be in [1, "), threads.err());
        StdoutRun noRun = StdoutRun.of("bench", "decode", dir.resolve("missing").toString());
        assertEquals(2, noRun.exitCode());
        assertTrue(noRun.err().contains("is not a folder"), noRun.err());
    }
}
