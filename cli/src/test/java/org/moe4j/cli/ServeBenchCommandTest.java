package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
@Tag("slow")
class ServeBenchCommandTest {
    @TempDir
    Path dir;

    private static StdoutRun run(String... args) {
        return StdoutRun.of(args);
    }

    @Test
    void benchServePrintsOneTableRowPerClientCountWithoutFailuresAndPlotsIt() throws Exception {
        Path runDir = dir.resolve("run");
        StdoutRun train = StdoutRun.trainTinyRun(runDir.toString());
        assertEquals(0, train.exitCode(), train.err());
        StdoutRun bench = run("bench", "serve", runDir.toString(), "--clients", "1,3", "--rounds", "1", "--warmup", "0",
                "--min-requests", "2", "--requests-per-client", "1", "--max-tokens", "4", "--plot", dir.resolve("plots").toString(),
                "--roofline-batches", "1,2", "--roofline-warmup", "2");
        assertEquals(0, bench.exitCode(), bench.err());
        String out = bench.out();
        assertTrue(out.startsWith("Decode step against the roofline (run, prompt 32 tokens, mean step of 32 steps, the median of 3 passes"
                + " after 2 warm-up passes):"), out);
        assertTrue(out.contains("\n| 1 | ") && out.contains("\n| 2 | "), "one roofline row per batch size:\n" + out);
        assertTrue(out.matches("(?s).*read bandwidth [0-9.]+ GB/s, weight product \\(F32\\) [0-9.]+ GFLOP/s.*"), out);
        String load = out.substring(out.indexOf("| clients |"));
        String[] lines = load.substring(0, load.indexOf("\n\n")).split("\n");
        assertEquals(4, lines.length, bench.out());
        String steps = load.substring(load.indexOf("The server's scheduler"));
        assertTrue(steps.contains("| clients | steps | mean step (ms) |") && steps.contains("\n| 1 | ") && steps.contains("\n| 3 | "),
                "the scheduler's figures for each level:\n" + out);
        assertTrue(lines[0].startsWith("| clients | requests | failed | requests/s | tokens/s |"), lines[0]);
        assertTrue(lines[2].startsWith("| 1 | 2 | 0 |") && lines[2].contains("| 1.00x |"), lines[2]);
        assertTrue(lines[3].startsWith("| 3 | 3 | 0 |"), lines[3]);
        for (String png : new String[] {"serving-throughput.png", "serving-latency.png"}) {
            assertTrue(Files.size(dir.resolve("plots").resolve(png)) > 1000, png);
        }
    }

    @Test
    void benchServeNeedsExactlyOneTargetOnThisMachine() {
        StdoutRun neither = run("bench", "serve");
        assertEquals(2, neither.exitCode());
        assertTrue(neither.err().contains("either RUN"), neither.err());
        StdoutRun remote = run("bench", "serve", "--url", "http://192.0.2.7:8080");
        assertEquals(2, remote.exitCode());
        assertTrue(remote.err().contains("not a loopback address"), remote.err());
        StdoutRun zero = run("bench", "serve", "--url", "http://127.0.0.1:1", "--clients", "0");
        assertEquals(2, zero.exitCode());
        assertTrue(zero.err().contains("--clients has 0"), zero.err());
        StdoutRun cold = run("bench", "serve", "--url", "http://127.0.0.1:1", "--roofline-warmup", "0");
        assertEquals(2, cold.exitCode());
        assertTrue(cold.err().contains("--roofline-warmup is 0, must be >= 1"), cold.err());
    }
}
