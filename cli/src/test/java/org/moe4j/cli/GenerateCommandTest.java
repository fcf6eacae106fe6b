package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code moe4j generate} and the training sample past the context length (16 characters here):
 * the context shift lets them produce every token asked for. A character tokenizer makes each
 * token one character of the output.
 */
@Tag("slow")
class GenerateCommandTest {
    @TempDir
    static Path dir;

    private static Path corpus;
    private static Path run;
    private static StdoutRun training;

    @BeforeAll
    static void trainATinyRun() throws Exception {
        corpus = Files.writeString(dir.resolve("small.txt"), "the whale, the sea, the ship\n".repeat(200));
        run = dir.resolve("run");
        training = StdoutRun.of("train", "--steps", "2", "--out", run.toString(), "--corpus", corpus.toString(),
                "--layers", "1", "--d-model", "16", "--heads", "2", "--kv-heads", "2", "--hidden", "8", "--experts", "4",
                "--context", "16", "--batch-size", "2", "--eval-every", "2", "--eval-batches", "1", "--sample-tokens", "40");
        assertEquals(0, training.exitCode(), training.err());
    }

    private static int characters(String s) {
        return s.codePointCount(0, s.length());
    }

    @Test
    void theTrainingSampleHasEveryTokenAskedFor() {
        // the sample continues "\n" and ends with a line break
        String out = training.out();
        assertTrue(out.startsWith("\n") && out.endsWith(System.lineSeparator()), out);
        assertEquals(1 + 40 + characters(System.lineSeparator()), characters(out), out);
    }

    @Test
    void maxTokensBeyondTheContextAreAllGenerated() {
        for (String keep : new String[] {null, "1", "15"}) {
            StdoutRun r = keep == null
                    ? StdoutRun.of("generate", run.toString(), "the sea", "--max-tokens", "40", "--temperature", "0")
                    : StdoutRun.of("generate", run.toString(), "the sea", "--max-tokens", "40", "--temperature", "0", "--keep", keep);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().startsWith("the sea"), r.out());
            assertEquals(7 + 40 + characters(System.lineSeparator()), characters(r.out()), "--keep " + keep + ": " + r.out());
        }
    }

    @Test
    void aPromptLongerThanTheContextKeepsItsEndAndStillGetsEveryToken() {
        String prompt = "the whale, the sea, the ship";
        StdoutRun r = StdoutRun.of("generate", run.toString(), prompt, "--max-tokens", "30", "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        String kept = prompt.substring(prompt.length() - 15);
        assertTrue(r.out().startsWith(kept), r.out());
        assertEquals(15 + 30 + characters(System.lineSeparator()), characters(r.out()), r.out());

        StdoutRun refused = StdoutRun.of("generate", run.toString(), prompt, "--no-truncate");
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("the prompt has 28 tokens, the context holds 16"), refused.err());
    }

    @Test
    void aKeepOutsideOneToTheContextLessOneIsRefused() {
        for (String keep : new String[] {"0", "16", "-2"}) {
            StdoutRun r = StdoutRun.of("generate", run.toString(), "the sea", "--keep", keep);
            assertEquals(2, r.exitCode(), r.err());
            assertEquals("moe4j generate: --keep is " + keep + ", must be in [1, 15] (the context holds 16)", r.err().strip());
            assertEquals("", r.out(), "nothing generated");
        }
    }

    /** FFF and hierarchical runs sample while training and generate past the context, both with the inference engine. */
    @ParameterizedTest
    @ValueSource(strings = {"fff", "hierarchical"})
    void fffAndHierarchicalRunsSampleAndGenerate(String ffn) {
        Path out = dir.resolve(ffn);
        StdoutRun train = StdoutRun.of("train", "--steps", "2", "--out", out.toString(), "--corpus", corpus.toString(), "--layers", "2",
                "--d-model", "16", "--heads", "2", "--kv-heads", "2", "--hidden", "8", "--ffn", ffn, "--fff-depth", "2", "--fff-leaf", "8",
                "--groups", "3", "--group-size", "2", "--context", "16", "--batch-size", "2", "--eval-every", "2", "--eval-batches", "1",
                "--sample-tokens", "40");
        assertEquals(0, train.exitCode(), train.err());
        assertTrue(train.out().startsWith("\n") && train.out().endsWith(System.lineSeparator()), train.out());
        assertEquals(1 + 40 + characters(System.lineSeparator()), characters(train.out()), train.out());
        StdoutRun r = StdoutRun.of("generate", out.toString(), "the sea", "--max-tokens", "40", "--temperature", "0", "--keep", "5");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("the sea"), r.out());
        assertEquals(7 + 40 + characters(System.lineSeparator()), characters(r.out()), r.out());
    }
}
