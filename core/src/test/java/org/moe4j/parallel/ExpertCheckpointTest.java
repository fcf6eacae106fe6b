package org.moe4j.parallel;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.dist.LocalGroup;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.run.Checkpoint;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Adam;

/**
 * A checkpoint of expert-parallel ranks is written by world rank 0 with the other ranks' experts
 * streamed to it: the files equal, byte for byte, the ones written from every rank's tensors
 * gathered in the test; rank 0 is handed none of the others' experts as tensors and holds one
 * expert block of theirs at a time; a writer that fails releases the other ranks.
 */
class ExpertCheckpointTest {
    private static final int BATCH = ExpertMemoryTest.BATCH;
    private static final long[] RNG = {1, 2, 3, 4, 5, 6};

    /** What a rank returns: its checkpoint state and optimizer state after one step, and what its writer saw. */
    private record RankState(Map<String, Tensor> model, Map<String, Tensor> optimizer, long bufferBytes, int writes,
                             int heldExpertTensors, int streamedExpertTensors) {}

    private static Map<String, Tensor> copies(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, t) -> out.put(k, Tensor.of(t.toArray(), t.shape())));
        return out;
    }

    private static List<RankState> writeOnRanks(TransformerConfig config, int ranks, int expertParallel, Path folder) {
        return LocalGroup.run(ranks, TinyRun.TIMEOUT, comm -> {
            ParallelLayout layout = new ParallelLayout(ranks, expertParallel);
            TransformerLM model = new TransformerLM(config, layout.expertSlice(comm.rank()));
            try (ParallelTraining p = ParallelTraining.start(comm, model, layout, BATCH)) {
                Adam adam = ExpertMemoryTest.step(model, p, comm.rank(), ranks);
                Map<String, Tensor> modelState = copies(model.checkpointState());
                Map<String, Tensor> optimizerState = copies(adam.stateDict());
                int[] seen = new int[3];
                p.writeCheckpoint(new LinkedHashMap<>(model.checkpointState()), new LinkedHashMap<>(adam.stateDict()),
                        (own, streamed, optimizerOwn, streamedOptimizer) -> {
                            seen[0]++;
                            seen[1] = (int) own.keySet().stream().filter(k -> k.contains(".experts.")).count();
                            seen[2] = (int) streamed.keySet().stream().filter(k -> k.contains(".experts.")).count();
                            Checkpoint.save(folder, new Checkpoint(1, Map.of("layout", (long) expertParallel), own, optimizerOwn, RNG),
                                    streamed, streamedOptimizer);
                        });
                return new RankState(modelState, optimizerState, p.checkpointBufferBytes(), seen[0], seen[1], seen[2]);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * The whole model's checkpoint put together from the first expert group's ranks: every rank's
     * own experts (named by their index in the layer) and the stacked moments' slices in rank order.
     */
    private static void writeGathered(List<RankState> states, int expertParallel, Path folder) throws IOException {
        Map<String, Tensor> model = new LinkedHashMap<>();
        for (int r = 0; r < expertParallel; r++) model.putAll(states.get(r).model());
        Map<String, Tensor> optimizer = new LinkedHashMap<>();
        for (var e : states.get(0).optimizer().entrySet()) {
            if (!e.getKey().contains(".experts.")) {
                optimizer.put(e.getKey(), e.getValue());
                continue;
            }
            List<float[]> parts = new ArrayList<>();
            int length = 0;
            for (int r = 0; r < expertParallel; r++) {
                float[] part = states.get(r).optimizer().get(e.getKey()).toArray();
                parts.add(part);
                length += part.length;
            }
            float[] whole = new float[length];
            int at = 0;
            for (float[] part : parts) {
                System.arraycopy(part, 0, whole, at, part.length);
                at += part.length;
            }
            int[] shape = e.getValue().shape().clone();
            shape[0] *= expertParallel;
            optimizer.put(e.getKey(), Tensor.of(whole, shape));
        }
        Checkpoint.save(folder, new Checkpoint(1, Map.of("layout", (long) expertParallel), model, optimizer, RNG));
    }

    private static void assertStreamedEqualsGathered(int ranks, int expertParallel, Path dir) throws IOException {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        Path streamed = dir.resolve("streamed");
        List<RankState> states = writeOnRanks(config, ranks, expertParallel, streamed);
        Path gathered = dir.resolve("gathered");
        writeGathered(states, expertParallel, gathered);
        for (String file : List.of(Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE)) {
            assertArrayEquals(Files.readAllBytes(gathered.resolve(file)), Files.readAllBytes(streamed.resolve(file)),
                    file + " on " + ranks + " ranks, expert groups of " + expertParallel);
        }
        // it loads as the whole model's checkpoint
        Checkpoint.load(streamed, new TransformerLM(config).checkpointShapes());

        // 2 MoE layers of 4 experts, 3 weights each (w1, w2, w3 of 16 x 16)
        int expertTensors = 2 * 4 * 3;
        int block = 16 * 16;
        assertEquals(1, states.get(0).writes(), "rank 0 writes");
        assertEquals(expertTensors / expertParallel, states.get(0).heldExpertTensors(), "rank 0 is handed only its own experts");
        assertEquals(expertTensors - expertTensors / expertParallel, states.get(0).streamedExpertTensors(),
                "the others' experts reach rank 0 streamed");
        assertEquals((long) block * Float.BYTES, states.get(0).bufferBytes(), "rank 0 holds one expert block of the others' at a time");
        long othersExpertBytes = 3L * (expertTensors - expertTensors / expertParallel) * block * Float.BYTES; // weights and two moments
        assertTrue(states.get(0).bufferBytes() * 10 < othersExpertBytes, "the buffer is a small part of what the others hold");
        for (int r = 1; r < ranks; r++) {
            assertEquals(0, states.get(r).writes(), "rank " + r + " writes nothing");
            assertEquals(0, states.get(r).bufferBytes(), "rank " + r + " receives nothing");
        }
    }

    @Test
    void twoExpertRanksWriteTheGatheredFile(@TempDir Path dir) throws IOException {
        assertStreamedEqualsGathered(2, 2, dir);
    }

    @Test
    void fourExpertRanksWriteTheGatheredFile(@TempDir Path dir) throws IOException {
        assertStreamedEqualsGathered(4, 4, dir);
    }

    @Test
    void twoDataGroupsOfTwoWriteTheGatheredFile(@TempDir Path dir) throws IOException {
        assertStreamedEqualsGathered(4, 2, dir);
    }

    /** Rank 0's writer fails half-way through the streamed experts: the others return, rank 0 reports its error, nothing is left behind. */
    @Test
    void aWriterThatFailsReleasesTheOtherRanks(@TempDir Path dir) {
        TransformerConfig config = TinyRun.model(20, TinyRun.mixtral());
        Path folder = dir.resolve("ckpt");
        List<String> outcome = LocalGroup.run(2, TinyRun.TIMEOUT, comm -> {
            ParallelLayout layout = new ParallelLayout(2, 2);
            TransformerLM model = new TransformerLM(config, layout.expertSlice(comm.rank()));
            try (ParallelTraining p = ParallelTraining.start(comm, model, layout, BATCH)) {
                Adam adam = ExpertMemoryTest.step(model, p, comm.rank(), 2);
                String result;
                try {
                    p.writeCheckpoint(new LinkedHashMap<>(model.checkpointState()), new LinkedHashMap<>(adam.stateDict()),
                            (own, streamed, optimizerOwn, streamedOptimizer) -> {
                                streamed.values().iterator().next().values().writeTo((data, from, count) -> {});
                                throw new IOException("disk full");
                            });
                    result = "returned";
                } catch (IOException e) {
                    result = "failed: " + e.getMessage();
                }
                // both ranks still meet in a collective afterwards
                return result + ", sum " + (int) Sums.sum(comm, 1);
            }
        });
        assertEquals(List.of("failed: disk full, sum 2", "returned, sum 2"), outcome);
        assertFalse(Files.exists(folder));
    }
}
