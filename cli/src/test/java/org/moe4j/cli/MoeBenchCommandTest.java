package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** `moe4j bench moe` takes the model flags `train` takes (--d-model, --hidden, --experts, --top-k). */
class MoeBenchCommandTest {
    @Test
    @Tag("slow")
    void printsTheShapeAndBothThroughputs() {
        StdoutRun r = StdoutRun.of("bench", "moe", "--d-model", "16", "--hidden", "8", "--experts", "4", "--top-k", "2",
                "--tokens", "32", "--threads", "1", "--runs", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().matches("moe d-model=16 hidden=8 experts=4 top-k=2 tokens=32 threads=1\n"
                + "moe: \\d+ tokens/s\ndense: \\d+ tokens/s\nmoe time / dense time: \\d+\\.\\d{3}\n"
                + "moe layer: \\d+\\.\\d GFLOP/s; its expert products alone: \\d+\\.\\d GFLOP/s \\(\\d+%\\)\n"), r.out());
    }

    @Test
    void moreExpertsPerTokenThanExpertsGivesOneLineAndExitCode2() {
        StdoutRun r = StdoutRun.of("bench", "moe", "--experts", "4", "--top-k", "5", "--tokens", "8", "--runs", "1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("bench moe: --d-model 512 --hidden 1408 --experts 4 --top-k 5 --tokens 8: all must be >= 1"
                + " and --top-k at most --experts"), r.err());
        StdoutRun old = StdoutRun.of("bench", "moe", "--k", "2");
        assertEquals(2, old.exitCode());
        assertTrue(old.err().contains("Unknown option") && old.err().contains("'--k'"), old.err());
    }
}
