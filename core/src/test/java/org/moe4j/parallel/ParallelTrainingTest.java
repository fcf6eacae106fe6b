package org.moe4j.parallel;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.run.Checkpoint;
import org.moe4j.model.TransformerConfig;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.LanguageModelTraining;
import org.moe4j.train.LanguageModelTrainingConfig;

/**
 * With the same seed and global batch, N in-process ranks train the same model as one process:
 * the final loss after 20 steps of a tiny MoE agrees within 1e-3 relative, and so do the
 * validation loss and the checkpointed weights, for data parallel, expert parallel and both, on 2
 * and 4 ranks.
 */
class ParallelTrainingTest {
    private static final int STEPS = 20;

    @TempDir
    static Path dir;

    private static TinyRun.Corpus corpus;
    private static TransformerConfig config;
    private static LanguageModelTrainingConfig training;
    private static LanguageModelTraining.Result reference;

    @BeforeAll
    static void trainOneProcess() throws IOException {
        corpus = TinyRun.Corpus.in(dir);
        config = TinyRun.model(corpus.tokenizer().vocabSize(), TinyRun.mixtral());
        training = TinyRun.training(STEPS);
        reference = TinyRun.single(corpus, config, training, dir.resolve("single"), false);
        // the run must learn something, or equal losses would prove little
        assertTrue(reference.lastLoss() < Math.log(corpus.tokenizer().vocabSize()) - 0.5, "one-process loss " + reference.lastLoss());
    }

    private static void assertSameTraining(int ranks, int expertParallel) throws IOException {
        Path run = dir.resolve("ranks" + ranks + "-ep" + expertParallel);
        List<LanguageModelTraining.Result> results = TinyRun.parallel(corpus, config, training, run, false, ranks, expertParallel);
        for (int r = 0; r < ranks; r++) {
            LanguageModelTraining.Result got = results.get(r);
            assertEquals(STEPS, got.steps());
            assertEquals(reference.lastLoss(), got.lastLoss(), 1e-3 * reference.lastLoss(), "rank " + r + " final loss");
            assertEquals(reference.validationLoss(), got.validationLoss(), 1e-3 * reference.validationLoss(), "rank " + r + " validation loss");
        }
        assertSameWeights(dir.resolve("single").resolve("checkpoint"), run.resolve("checkpoint"));
    }

    /** Rank 0's checkpoint holds every expert: its weights match the one-process run's. */
    static void assertSameWeights(Path expectedCheckpoint, Path actualCheckpoint) throws IOException {
        Map<String, Tensor> want = Checkpoint.load(expectedCheckpoint).model();
        Map<String, Tensor> got = Checkpoint.load(actualCheckpoint).model();
        assertEquals(want.keySet(), got.keySet());
        for (var e : want.entrySet()) {
            float[] a = e.getValue().toArray();
            float[] b = got.get(e.getKey()).toArray();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 2e-3, e.getKey() + "[" + i + "]");
            }
        }
    }

    /**
     * Ten steps on 2 expert-parallel ranks, stopped (checkpoint written by rank 0 alone, every
     * expert gathered into it), then resumed on 4 ranks in two data groups of 2: the same
     * training as 20 steps in one process.
     */
    @Test
    void resumesOnAnotherRankCount() throws IOException {
        Path run = dir.resolve("resumed");
        java.nio.file.Files.createDirectories(run);
        List<LanguageModelTraining.Result> first = TinyRun.parallel(corpus, config, training, rank -> run, false, 2, 2, STEPS / 2);
        assertEquals(STEPS / 2, first.getFirst().steps());
        assertTrue(first.getFirst().stoppedEarly());
        assertEquals(STEPS / 2, Checkpoint.load(run.resolve("checkpoint")).step());
        List<LanguageModelTraining.Result> second = TinyRun.parallel(corpus, config, training, rank -> run, true, 4, 2, 0);
        for (LanguageModelTraining.Result got : second) {
            assertEquals(STEPS, got.steps());
            assertEquals(reference.lastLoss(), got.lastLoss(), 1e-3 * reference.lastLoss());
        }
        assertSameWeights(dir.resolve("single").resolve("checkpoint"), run.resolve("checkpoint"));
    }

    @Test
    void dataParallelOnTwoRanks() throws IOException {
        assertSameTraining(2, 1);
    }

    @Test
    void expertParallelOnTwoRanks() throws IOException {
        assertSameTraining(2, 2);
    }

    @Test
    void dataParallelOnFourRanks() throws IOException {
        assertSameTraining(4, 1);
    }

    @Test
    void expertParallelOnFourRanks() throws IOException {
        assertSameTraining(4, 4);
    }

    @Test
    void twoDataGroupsOfTwoExpertRanks() throws IOException {
        assertSameTraining(4, 2);
    }
}
