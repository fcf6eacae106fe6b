package org.moe4j.parallel;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.dist.LocalGroup;
import org.moe4j.run.Checkpoint;
import org.moe4j.model.RouterKind;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.train.LanguageModelTrainingConfig;

/** What distributed training refuses, and how: the same clear message on every rank, no rank left waiting. */
class ParallelBadInputTest {
    @TempDir
    Path dir;

    /** Every rank's message from {@link ParallelTraining#start}, or "ok". */
    private static List<String> start(int ranks, int expertParallel, TransformerConfig config, int batch) {
        return LocalGroup.run(ranks, Duration.ofSeconds(20), comm -> {
            TransformerLM model;
            try {
                model = new TransformerLM(config, new ParallelLayout(ranks, expertParallel).expertSlice(comm.rank()));
            } catch (IllegalArgumentException layoutOrSliceRefused) {
                // start must refuse this layout with its own message, whatever the model holds
                model = new TransformerLM(config);
            }
            try (ParallelTraining p = ParallelTraining.start(comm, model, new ParallelLayout(ranks, expertParallel), batch)) {
                return "ok";
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
    }

    @Test
    void expertsThatDoNotSplitOverTheExpertGroup() {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        for (String message : start(3, 3, config, 6)) {
            assertEquals("layer 0: 4 experts do not split over an expert group of 3 ranks (--expert-parallel 3): it must divide the"
                    + " expert count", message);
        }
    }

    @Test
    void globalBatchThatDoesNotSplitOverTheRanks() {
        for (String message : start(3, 1, TinyRun.model(20, TinyRun.mixtral()), 8)) {
            assertEquals("--batch-size is 8, the global batch; it must be a multiple of the 3 ranks so that every rank trains on the"
                    + " same number of sequences", message);
        }
    }

    @Test
    void capacityAndNoisyRoutingAreRefused() {
        TransformerConfig capped = TinyRun.model(20, new MoeSpec(4, 2, 16, RouterKind.SOFTMAX, 1.25, 0.01, 0, 0));
        assertTrue(start(2, 1, capped, 8).getFirst().contains("capacity_factor is 1.25; distributed training needs dropless experts"));
        TransformerConfig noisy = TinyRun.model(20, new MoeSpec(4, 2, 16, RouterKind.NOISY, 0, 0.01, 0, 0));
        assertTrue(start(2, 2, noisy, 8).get(1).contains("the noisy router draws noise per token"));
    }

    @Test
    void layoutThatDoesNotDivideTheRanks() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ParallelLayout(4, 3));
        assertEquals("parallel layout: --expert-parallel is 3, must be >= 1 and divide the 4 ranks (ranks = data groups x expert"
                + " group size)", e.getMessage());
    }

    /** Rank 1 reads a damaged checkpoint: both ranks stop before training, each naming rank 1 and the file's problem. */
    @Test
    void aRankThatCannotLoadItsCheckpointStopsEveryRank() throws IOException {
        TinyRun.Corpus corpus = TinyRun.Corpus.in(dir);
        TransformerConfig config = TinyRun.model(corpus.tokenizer().vocabSize(), TinyRun.mixtral());
        LanguageModelTrainingConfig training = TinyRun.training(4);
        Path good = dir.resolve("good");
        Files.createDirectories(good);
        TinyRun.parallel(corpus, config, training, rank -> good, false, 2, 2, 2);
        Path damaged = dir.resolve("damaged");
        Files.createDirectories(damaged.resolve("checkpoint"));
        try (var files = Files.list(good.resolve("checkpoint"))) {
            for (Path f : files.toList()) Files.copy(f, damaged.resolve("checkpoint").resolve(f.getFileName()));
        }
        Files.copy(good.resolve("run.json"), damaged.resolve("run.json"));
        Path model = damaged.resolve("checkpoint").resolve(Checkpoint.MODEL_FILE);
        Files.write(model, java.util.Arrays.copyOf(Files.readAllBytes(model), 100));

        List<String> messages = LocalGroup.run(2, Duration.ofSeconds(20), comm -> {
            try {
                TinyRun.parallelRank(comm, corpus, config, training, comm.rank() == 0 ? good : damaged, true, 2, () -> false);
                return "trained";
            } catch (Agreement.RankFailedException e) {
                return e.getMessage();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        for (String message : messages) {
            assertTrue(message.startsWith("rank 1 of 2: "), message);
            assertTrue(message.contains(Checkpoint.MODEL_FILE), message);
        }
        assertEquals(messages.get(0), messages.get(1));
    }

    /**
     * A rank that fails in the middle of training (here on its fourth step) stops its peers at
     * once, waiting in their next collective, instead of leaving them there: the run ends well
     * before the group's timeout with that rank's error.
     */
    @Test
    void aRankThatFailsDuringTrainingEndsTheGroup() throws IOException {
        TinyRun.Corpus corpus = TinyRun.Corpus.in(dir);
        TransformerConfig config = TinyRun.model(corpus.tokenizer().vocabSize(), TinyRun.mixtral());
        LanguageModelTrainingConfig training = TinyRun.training(20);
        Path run = dir.resolve("fails");
        Files.createDirectories(run);
        long start = System.nanoTime();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalGroup.run(2, Duration.ofSeconds(60), comm -> {
            int[] asked = {0};
            try {
                return TinyRun.parallelRank(comm, corpus, config, training, run, false, 2, () -> {
                    if (comm.rank() == 1 && ++asked[0] == 4) throw new IllegalStateException("rank 1 failed on purpose");
                    return false;
                });
            } catch (IOException io) {
                throw new java.io.UncheckedIOException(io);
            }
        }));
        assertEquals("rank 1 failed on purpose", e.getMessage());
        assertTrue(System.nanoTime() - start < 30e9, "the group ended only after " + (System.nanoTime() - start) / 1e9 + " s");
    }
}
