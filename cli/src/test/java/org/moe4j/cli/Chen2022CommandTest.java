package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;

class Chen2022CommandTest {
    @TempDir
    Path dir;

    private static StdoutRun run(String... args) {
        return StdoutRun.of(args);
    }

    @Test
    void printsTheTableDrawsTheDispatchMatrixAndWritesJson() throws IOException {
        Path png = dir.resolve("dispatch.png");
        Path json = dir.resolve("chen.json");
        StdoutRun r = run("experiment", "chen2022", "--seeds", "2", "--train-size", "300", "--test-size", "200",
                "--plot", png.toString(), "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        String number = "\\d+\\.\\d\\d \\+- \\d+\\.\\d\\d";
        String entropy = "\\d\\.\\d{3} \\+- \\d\\.\\d{3}";
        assertTrue(r.out().matches("(?s)chen2022 setting 1, 2 seeds \\(1\\.\\.2\\), 300 train / 200 test examples\n"
                + "model +test accuracy \\(%\\) +dispatch entropy\n"
                + "single \\(linear\\) +" + number + " +-\n"
                + "single \\(non-linear\\) +" + number + " +-\n"
                + "MoE \\(linear\\) +" + number + " +" + entropy + "\n"
                + "MoE \\(non-linear\\) +" + number + " +" + entropy + "\n"), r.out());
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        Map<?, ?> results = (Map<?, ?>) Json.parse(Files.readString(json));
        assertEquals("chen2022", results.get("experiment"));
        assertEquals(8, ((List<?>) results.get("runs")).size());
        assertEquals(4, ((List<?>) results.get("summary")).size());
    }

    @Test
    void badSizesGiveOneLineAndExitCode2() {
        StdoutRun r = run("experiment", "chen2022", "--seeds", "0");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("chen2022: seeds is 0, must be >= 1"), r.err());
    }
}
