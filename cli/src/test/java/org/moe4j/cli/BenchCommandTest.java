package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class BenchCommandTest {
    private static StdoutRun run(String... args) {
        return StdoutRun.of(args);
    }

    @Test
    void eachBenchPrintsOneResultLineInTheDocumentedFormat() {
        StdoutRun gemm = run("bench", "gemm", "33", "65", "17", "--threads", "1", "--runs", "1");
        assertEquals(0, gemm.exitCode(), gemm.err());
        assertTrue(gemm.out().matches("(?s)# cpu: .*\n# path: blocked, tile \\d+x\\d+, MC \\d+, KC 256, NC \\d+, (rows|columns) outer .*\n# why: .+\n# threads: 1 kernel thread\ngemm 33 65 17 \\d+\\.\\d\n"), gemm.out());
        StdoutRun skinny = run("bench", "gemm", "3", "65", "17", "--threads", "1", "--runs", "1", "--cpu-time");
        assertTrue(skinny.out().matches("(?s)# cpu: .*\n# path: 3 row\\(s\\) <= 8: one matrix-vector product per row .*\ngemm 3 65 17 \\d+\\.\\d\n"), skinny.out());
        StdoutRun grouped = run("bench", "grouped-gemm", "4", "100", "40", "24", "--runs", "1");
        assertEquals(0, grouped.exitCode(), grouped.err());
        assertTrue(grouped.out().matches("grouped-gemm 4 100 40 24 \\d+\\.\\d\n"), grouped.out());
        StdoutRun gemv = run("bench", "gemv", "30", "70", "--trans", "--runs", "1");
        assertEquals(0, gemv.exitCode(), gemv.err());
        assertTrue(gemv.out().matches("gemv-trans 30 70 \\d+\\.\\d \\d+\\.\\d\n"), gemv.out());
    }

    @Test
    void badSizesAndThreadCountsGiveOneLineAndExitCode2() {
        StdoutRun zero = run("bench", "gemm", "0", "5", "5");
        assertEquals(2, zero.exitCode());
        assertEquals("moe4j gemm: bench gemm: sizes M=0 N=5 K=5 must all be >= 1\n", zero.err());
        StdoutRun threads = run("bench", "gemm", "8", "8", "8", "--threads", "0");
        assertEquals(2, threads.exitCode());
        assertTrue(threads.err().contains("0 threads requested, must be in [1, "), threads.err());
        StdoutRun cpu = run("bench", "gemm", "8", "8", "8", "--threads", "2", "--cpu-time");
        assertEquals(2, cpu.exitCode());
        assertEquals("moe4j gemm: bench gemm: --cpu-time needs --threads 1 (got 2): the CPU time of the other threads"
                + " would not be counted\n", cpu.err());
        StdoutRun runs = run("bench", "grouped-gemm", "2", "8", "8", "8", "--runs", "0");
        assertEquals(2, runs.exitCode());
        assertEquals("moe4j grouped-gemm: --runs is 0, must be >= 1\n", runs.err());
    }

    @Test
    void fffBenchPrintsTheSpeedupAndTheTrainingRatio() {
        StdoutRun fff = run("bench", "fff", "--in-width", "16", "--out-width", "3", "--depth", "2", "--leaf", "2", "--batch-size", "4",
                "--runs", "1", "--warmup", "0", "--train");
        assertEquals(0, fff.exitCode(), fff.err());
        assertTrue(fff.out().startsWith("fff in 16 out 3 depth 2 leaf 2 (training width 8) batch 4, "), fff.out());
        assertTrue(fff.out().matches("(?s).*\nspeedup: \\d+\\.\\dx\n.*"), fff.out());
        assertTrue(fff.out().matches("(?s).*\ntraining step fff/dense: \\d+\\.\\d\\dx\n"), fff.out());
    }

    @Test
    void fffBenchRejectsABadTreeInOneLine() {
        StdoutRun depth = run("bench", "fff", "--depth", "-1");
        assertEquals(2, depth.exitCode());
        assertEquals("moe4j fff: FastFeedForwardConfig: depth is -1, must be >= 0\n", depth.err());
        StdoutRun huge = run("bench", "fff", "--depth", "40", "--leaf", "32");
        assertEquals(2, huge.exitCode());
        assertTrue(huge.err().contains("needs 102.5 PiB of parameters"), huge.err());
        StdoutRun batch = run("bench", "fff", "--in-width", "8", "--depth", "1", "--leaf", "1", "--batch-size", "0");
        assertEquals(2, batch.exitCode());
        assertEquals("moe4j fff: bench fff: --batch-size is 0, must be >= 1\n", batch.err());
    }
}
