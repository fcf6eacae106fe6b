package org.moe4j.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Checkpoint sample(long step, int hidden) {
        Rng rng = new Rng(step);
        Map<String, Tensor> model = new LinkedHashMap<>();
        model.put("gate.weight", Init.normal(Tensor.zeros(4, 8), rng, 0, 1));
        model.put("experts.w1.weight", Init.normal(Tensor.zeros(4, hidden, 8), rng, 0, 1));
        Map<String, Tensor> optimizer = Map.of("gate.weight.exp_avg", Init.normal(Tensor.zeros(4, 8), rng, 0, 1));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("d_model", 8L);
        config.put("hidden", (long) hidden);
        config.put("lr", 3e-4);
        return new Checkpoint(step, config, model, optimizer, rng.state());
    }

    private static Map<String, int[]> shapes(int hidden) {
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("gate.weight", new int[] {4, 8});
        m.put("experts.w1.weight", new int[] {4, hidden, 8});
        return m;
    }

    @Test
    void savesAndLoadsEverything() throws Exception {
        Checkpoint c = sample(42, 16);
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, c);
        assertEquals(List.of("config.json", "model.safetensors", "optimizer.safetensors", "state.json"), names(folder));
        Checkpoint back = Checkpoint.load(folder, shapes(16));
        assertEquals(42, back.step());
        assertEquals(c.config(), back.config());
        assertArrayEquals(c.rngState(), back.rngState());
        assertEquals(c.model().keySet(), back.model().keySet());
        for (String name : c.model().keySet()) {
            assertArrayEquals(c.model().get(name).toArray(), back.model().get(name).toArray(), name);
            assertArrayEquals(c.model().get(name).shape(), back.model().get(name).shape(), name);
        }
        assertArrayEquals(c.optimizer().get("gate.weight.exp_avg").toArray(), back.optimizer().get("gate.weight.exp_avg").toArray());
        Rng resumed = new Rng(0);
        resumed.restore(back.rngState());
        Rng original = new Rng(0);
        original.restore(c.rngState());
        assertEquals(original.nextLong(), resumed.nextLong(), "the RNG resumes where it stopped");
        try (SafeTensorsFile f = SafeTensors.open(folder.resolve(Checkpoint.MODEL_FILE))) {
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    /** The weights alone: the same tensors as a whole load, the optimizer file never opened (here: removed), shapes checked. */
    @Test
    void loadsTheWeightsAloneWithoutTheOptimizerState() throws Exception {
        Checkpoint c = sample(7, 16);
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, c);
        Files.delete(folder.resolve(Checkpoint.OPTIMIZER_FILE));
        Map<String, Tensor> weights = Checkpoint.loadWeights(folder, shapes(16));
        assertEquals(c.model().keySet(), weights.keySet());
        for (String name : c.model().keySet()) {
            assertArrayEquals(c.model().get(name).toArray(), weights.get(name).toArray(), name);
        }
        var shape = assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(folder, shapes(32)));
        assertTrue(shape.getMessage().contains("tensor \"experts.w1.weight\" has shape [4, 16, 8] but the model expects [4, 32, 8]"),
                shape.getMessage());
        var none = assertThrows(FileFormatException.class, () -> Checkpoint.loadWeights(dir.resolve("none"), shapes(16)));
        assertEquals(dir.resolve("none") + ": no checkpoint folder here", none.getMessage());
    }

    @Test
    void aCheckpointOfAnotherModelShapeFailsNamingTheTensorAndBothShapes() throws Exception {
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, sample(1, 16));
        var shape = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(folder, shapes(32)));
        assertTrue(shape.getMessage().contains("tensor \"experts.w1.weight\" has shape [4, 16, 8] but the model expects [4, 32, 8]"),
                shape.getMessage());
        Map<String, int[]> more = shapes(16);
        more.put("router.bias", new int[] {4});
        var missing = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(folder, more));
        assertTrue(missing.getMessage().contains("tensor \"router.bias\" of shape [4] is missing"), missing.getMessage());
        Map<String, int[]> fewer = shapes(16);
        fewer.remove("gate.weight");
        var extra = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(folder, fewer));
        assertTrue(extra.getMessage().contains("tensor \"gate.weight\" of shape [4, 8] is not part of the model"),
                extra.getMessage());
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointLoadable() throws Exception {
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, sample(1, 16));
        // the weights are written, then the config fails: NaN has no JSON form
        Map<String, Object> notJson = new LinkedHashMap<>();
        notJson.put("lr", Double.NaN);
        Checkpoint bad = new Checkpoint(2, notJson, sample(2, 32).model(), Map.of(), new long[0]);
        var e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.save(folder, bad));
        assertTrue(e.getMessage().contains("$.lr"), e.getMessage());
        assertEquals(1, Checkpoint.load(folder, shapes(16)).step());
        assertEquals(List.of("ckpt"), names(dir));
    }

    @Test
    void brokenStateFilesAreReported() throws Exception {
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, sample(1, 16));
        Files.writeString(folder.resolve(Checkpoint.STATE_FILE), "{\"format\": \"moe4j-checkpoint\", \"version\": 1, \"step\": -3, \"rng_state\": []}");
        var e = assertThrows(FileFormatException.class, () -> Checkpoint.load(folder));
        assertTrue(e.getMessage().contains("\"step\" must be an integer >= 0, found -3"), e.getMessage());
        Files.writeString(folder.resolve(Checkpoint.STATE_FILE), "{\"step\": 1,}");
        var json = assertThrows(FileFormatException.class, () -> Checkpoint.load(folder));
        assertTrue(json.getMessage().contains("state.json: JSON error at 1:12"), json.getMessage());
        var none = assertThrows(FileFormatException.class, () -> Checkpoint.load(dir.resolve("nothing")));
        assertTrue(none.getMessage().contains("no checkpoint folder"), none.getMessage());
    }

    private static List<String> names(Path folder) throws IOException {
        try (var s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
