package org.moe4j.run;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.model.MoeSpec;

/**
 * run.json: the description of a run written by an earlier moe4j (runs/default-final) still
 * reads, writes back byte for byte, and a folder that is not a run fails saying why.
 */
class RunFolderTest {
    @TempDir
    Path dir;

    /** run.json of runs/default-final, a 10-minute MoE run on Moby-Dick written before RunFolder left train. */
    static byte[] defaultFinal() throws Exception {
        try (InputStream in = RunFolderTest.class.getResourceAsStream("default-final-run.json")) {
            assertNotNull(in, "test resource default-final-run.json");
            return in.readAllBytes();
        }
    }

    private RunFolder runWith(String runJson) throws Exception {
        Files.writeString(dir.resolve("run.json"), runJson);
        return new RunFolder(dir);
    }

    @Test
    void readsARunWrittenBeforeAndWritesItBackByteForByte() throws Exception {
        Files.write(dir.resolve("run.json"), defaultFinal());
        RunFolder.Description d = new RunFolder(dir).readDescription();
        assertEquals(83, d.model().vocabSize());
        assertEquals(256, d.model().dModel());
        assertEquals(4, d.model().layers());
        assertInstanceOf(MoeSpec.class, d.model().feedForward().get(0));
        assertEquals("moby-dick", d.corpus());
        assertEquals(List.of("batch_size", "steps", "minutes", "learning_rate", "min_lr_factor", "warmup_steps", "weight_decay",
                "grad_clip", "router_learning_rate", "eval_every", "eval_batches", "checkpoint_every", "seed",
                "validation_fraction"), List.copyOf(d.training().keySet()));
        assertEquals(2028L, d.training().get("steps"));
        assertEquals(10.0, d.training().get("minutes"));

        RunFolder copy = new RunFolder(dir.resolve("copy"));
        copy.writeDescription(d);
        assertArrayEquals(defaultFinal(), Files.readAllBytes(copy.runFile()),
                () -> "rewritten:\n" + new String(readUnchecked(copy.runFile()), StandardCharsets.UTF_8));
        assertEquals(d, copy.readDescription());
    }

    private static byte[] readUnchecked(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void layoutNamesTheFilesOfARun() {
        RunFolder run = new RunFolder(dir);
        assertEquals(dir.resolve("run.json"), run.runFile());
        assertEquals(dir.resolve("tokenizer.json"), run.tokenizerFile());
        assertEquals(dir.resolve("tokens.bin"), run.tokenFile());
        assertEquals(dir.resolve("checkpoint"), run.checkpoint());
        assertEquals(dir.resolve("metrics.jsonl"), run.metrics());
        assertEquals(dir.resolve("report"), run.report());
    }

    @Test
    void theTrainingSectionIsKeptInOrderAndCannotBeChangedThroughTheDescription() throws Exception {
        Files.write(dir.resolve("run.json"), defaultFinal());
        RunFolder.Description d = new RunFolder(dir).readDescription();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("z", 1L);
        training.put("a", 2.5);
        RunFolder.Description mine = new RunFolder.Description(d.model(), training, "somewhere");
        training.put("late", true);
        assertEquals(List.of("z", "a"), List.copyOf(mine.training().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> mine.training().put("x", 1L));
        RunFolder other = new RunFolder(dir.resolve("other"));
        other.writeDescription(mine);
        assertEquals(mine, other.readDescription());
    }

    @Test
    void aFolderWithoutRunJsonIsNotARun() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RunFolder(dir).readDescription());
        assertEquals(dir + " is not a moe4j run folder (it has no run.json)", e.getMessage());
    }

    @Test
    void anotherFormatIsRefused() throws Exception {
        RunFolder run = runWith("{\"format\": \"something-else\", \"version\": 1}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::readDescription);
        assertEquals(run.runFile() + " is not a moe4j run description (\"format\" must be \"moe4j-run\")", e.getMessage());
        RunFolder list = runWith("[1, 2]");
        assertEquals(e.getMessage(), assertThrows(IllegalArgumentException.class, list::readDescription).getMessage());
    }

    @Test
    void anotherVersionIsRefused() throws Exception {
        String json = new String(defaultFinal(), StandardCharsets.UTF_8).replace("\"version\": 1,", "\"version\": 2,");
        RunFolder run = runWith(json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run::readDescription);
        assertEquals(run.runFile() + " has version 2, this moe4j reads version 1: the run comes from an incompatible moe4j",
                e.getMessage());
    }

    @Test
    void badFieldsAreNamed() throws Exception {
        String json = new String(defaultFinal(), StandardCharsets.UTF_8);
        RunFolder noCorpus = runWith(json.replace("\"corpus\": \"moby-dick\"", "\"corpus\": 7"));
        assertEquals(noCorpus.runFile() + ": field \"corpus\" is 7, must be a string",
                assertThrows(IllegalArgumentException.class, noCorpus::readDescription).getMessage());
        RunFolder badModel = runWith(json.replace("\"d_model\": 256", "\"d_model\": \"wide\""));
        assertEquals("transformer config: field \"d_model\" is \"wide\", must be an integer",
                assertThrows(IllegalArgumentException.class, badModel::readDescription).getMessage());
        RunFolder badTraining = runWith(json.replaceFirst("\"training\": \\{[^}]*}", "\"training\": 3"));
        assertEquals("training config must be a JSON object",
                assertThrows(IllegalArgumentException.class, badTraining::readDescription).getMessage());
    }
}
