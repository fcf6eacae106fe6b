package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;

/** `moe4j experiment chen2022` at a small size: its table, plot and JSON, and accuracies only a working MoE reaches. */
class Chen2022CommandTest {
    @TempDir
    Path dir;

    private static StdoutRun run(String... args) {
        return StdoutRun.of(args);
    }

    @Test
    @Tag("slow")
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
        List<?> summary = (List<?>) results.get("summary");
        assertEquals(4, summary.size());
        // labels are +-1 in equal numbers, so a model that learned nothing scores about 50%; the two
        // MoEs separate the clusters (seeds 1 and 2 give 88.75% and 95.50%), a broken router or
        // expert update does not
        assertTrue(accuracy(summary, "MoE (linear)") > 80, "MoE (linear): " + accuracy(summary, "MoE (linear)"));
        assertTrue(accuracy(summary, "MoE (non-linear)") > 90, "MoE (non-linear): " + accuracy(summary, "MoE (non-linear)"));
        assertTrue(accuracy(summary, "MoE (non-linear)") > accuracy(summary, "single (non-linear)") + 20,
                "the non-linear MoE must beat the single non-linear CNN, as in Chen et al. 2022's Setting 1");
    }

    /** The mean test accuracy (%) of one model in the JSON summary. */
    private static double accuracy(List<?> summary, String model) {
        for (Object row : summary) {
            Map<?, ?> m = (Map<?, ?>) row;
            if (model.equals(m.get("model"))) return ((Number) m.get("test_accuracy_mean")).doubleValue();
        }
        throw new AssertionError("no summary row for " + model + ": " + summary);
    }

    @Test
    void badSizesGiveOneLineAndExitCode2() {
        StdoutRun r = run("experiment", "chen2022", "--seeds", "0");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("chen2022: seeds is 0, must be >= 1"), r.err());
    }
}
