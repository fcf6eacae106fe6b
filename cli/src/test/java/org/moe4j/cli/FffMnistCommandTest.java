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
import org.moe4j.io.Json;

/** `moe4j experiment fff-mnist` on one cell of the grid: the table, the chart and accuracies a broken model cannot reach. */
@Tag("slow")
class FffMnistCommandTest {
    @TempDir
    Path dir;

    @Test
    void oneEpochOfFfAndFffLearnsTheDigits() throws Exception {
        Path json = dir.resolve("fff.json"), svg = dir.resolve("fff.svg");
        StdoutRun r = StdoutRun.of("experiment", "fff-mnist", "--widths", "8", "--leaves", "2", "--epochs", "1",
                "--json", json.toString(), "--plot", svg.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("FF  w=8 "), r.out());
        assertTrue(r.out().contains("\n| 8 | "), r.out());
        Map<?, ?> results = (Map<?, ?>) Json.parse(Files.readString(json));
        assertEquals("fff-mnist", results.get("experiment"));
        List<?> cells = (List<?>) results.get("cells");
        assertEquals(2, cells.size());
        // ten balanced classes: chance is 0.10. One epoch of 8,000 digits gives the FF 0.58 and the
        // FFF 0.61 test accuracy with seed 1; an untrained or wrongly routed model stays near chance
        for (Object cell : cells) {
            Map<?, ?> c = (Map<?, ?>) cell;
            double test = ((Number) c.get("generalisation_accuracy")).doubleValue();
            assertTrue(test > 0.45, c.get("model") + " test accuracy " + test);
            assertTrue(((Number) c.get("memorisation_accuracy")).doubleValue() > 0.45, c.toString());
        }
        Map<?, ?> settings = (Map<?, ?>) results.get("settings");
        assertEquals(List.of("widths", "leaf_widths", "epochs", "batch_size", "learning_rate", "hardening_weight", "hardening_start",
                "hard_epochs", "seed"), List.copyOf(settings.keySet()));
        assertEquals(List.of(8L), settings.get("widths"));
        assertEquals(List.of(2L), settings.get("leaf_widths"));
        assertEquals(100L, settings.get("batch_size"));
        assertTrue(Files.readString(svg).startsWith("<svg "));
    }
}
