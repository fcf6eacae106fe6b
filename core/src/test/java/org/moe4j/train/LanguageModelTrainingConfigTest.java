package org.moe4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.run.RunFolder;

/** The training section of run.json as the train layer reads and writes it. */
class LanguageModelTrainingConfigTest {
    @TempDir
    Path dir;

    /** run.json of runs/default-final (the fixture of RunFolderTest). */
    private static byte[] defaultFinal() throws Exception {
        try (InputStream in = LanguageModelTrainingConfigTest.class.getResourceAsStream("/org/moe4j/run/default-final-run.json")) {
            assertNotNull(in, "test resource /org/moe4j/run/default-final-run.json");
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheTrainingOfAnEarlierRunAndWritesTheSameRunJson() throws Exception {
        Files.write(dir.resolve("run.json"), defaultFinal());
        RunFolder.Description d = new RunFolder(dir).readDescription();
        LanguageModelTrainingConfig t = LanguageModelTrainingConfig.fromJson(d.training());
        assertEquals(new LanguageModelTrainingConfig(16, 2028, 10.0, 0.002, 0.1, 100, 0.1, 1.0, 0.002, 100, 8, 250, 1, 0.1), t);

        // as moe4j train writes a fresh run: the typed config's JSON, not the parsed one
        RunFolder copy = new RunFolder(dir.resolve("copy"));
        copy.writeDescription(new RunFolder.Description(d.model(), t.toJson(), d.corpus()));
        assertArrayEquals(defaultFinal(), Files.readAllBytes(copy.runFile()));
    }

    @Test
    void aBadTrainingFieldIsNamedWhenTrainReadsIt() throws Exception {
        String json = new String(defaultFinal(), StandardCharsets.UTF_8).replace("\"batch_size\": 16", "\"batch_size\": \"many\"");
        Files.writeString(dir.resolve("run.json"), json);
        RunFolder.Description d = new RunFolder(dir).readDescription();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LanguageModelTrainingConfig.fromJson(d.training()));
        assertEquals("training config: field \"batch_size\" is \"many\", must be an integer", e.getMessage());
    }
}
