package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.hrme.HrmeFile;
import org.moe4j.hrme.HrmeModel;
import org.moe4j.io.Json;

@Tag("slow")
class HrmeCommandTest {
    @TempDir
    Path dir;

    @Test
    void threeLinesPrintsTheTableDrawsThePictureAndWritesJsonRowsAndModel() throws Exception {
        Path png = dir.resolve("lines.png"), json = dir.resolve("hrme.json"), data = dir.resolve("data"), models = dir.resolve("models");
        StdoutRun r = StdoutRun.of("experiment", "hrme", "--data-sets", "three_lines", "--plot", png.toString(), "--json",
                json.toString(), "--export-data", data.toString(), "--save-models", models.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("three_lines: 1750 train / 750 test rows, 1 features\n"), r.out());
        assertTrue(r.out().matches("(?s).*\n  hrme_hard +(\\d+\\.\\d{4} +){3}\\d+\\.\\d{4}\n.*\n  tree: depth \\d+, \\d+ leaves;.*"), r.out());
        Map<?, ?> results = (Map<?, ?>) Json.parse(Files.readString(json));
        assertEquals("hrme", results.get("experiment"));
        Map<?, ?> lines = (Map<?, ?>) results.get("three_lines");
        double hard = ((Number) ((Map<?, ?>) lines.get("hrme_hard")).get("test_mae")).doubleValue();
        double linear = ((Number) ((Map<?, ?>) lines.get("linear")).get("test_mae")).doubleValue();
        // from x alone nothing gets far below 2.0 here; a tree that routes no better than one line scores >= 3.19
        assertTrue(hard < 0.75 * linear, "hrme_hard " + hard + " vs linear " + linear);
        for (String m : List.of("hrme_hard", "hrme_soft", "linear", "mixture_of_linear_experts", "mlp")) {
            assertEquals(List.of("train_mae", "train_rmse", "test_mae", "test_rmse"), List.copyOf(((Map<?, ?>) lines.get(m)).keySet()));
        }
        assertTrue(((Map<?, ?>) lines.get("tree")).containsKey("thresholds"));
        byte[] head = Files.readAllBytes(png);
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        List<String> train = Files.readAllLines(data.resolve("three_lines-train.csv"));
        assertEquals("x0,y", train.getFirst());
        assertEquals(1751, train.size());
        assertEquals(751, Files.readAllLines(data.resolve("three_lines-test.csv")).size());
        HrmeModel model = HrmeFile.load(models.resolve("three_lines.safetensors"), 1);
        assertEquals(((Number) ((Map<?, ?>) lines.get("tree")).get("leaves")).intValue(), model.leafCount());
    }

    @Test
    void anUnknownDataSetGivesOneLineAndExitCode2() {
        StdoutRun r = StdoutRun.of("experiment", "hrme", "--data-sets", "iris");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("hrme: unknown data set \"iris\"; choose from three_lines, diabetes, friedman1"), r.err());
    }
}
