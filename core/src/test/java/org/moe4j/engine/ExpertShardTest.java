package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.moe4j.dist.Communicator;
import org.moe4j.dist.LocalGroup;

/**
 * A model whose experts are split over a group of ranks ({@link DecoderModel#splitExpertsOver})
 * gives every rank the logits of the single process bit for bit, over a prefill of two sequences
 * and greedy decoding of both in one pool; and the split is real: at every all-gather of the pair
 * outputs each rank contributes the rows it computed (all nonzero), the ranks' blocks add up to
 * every pair row, and no rank's block is all of them.
 */
class ExpertShardTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int STEPS = 4;

    /** The logits of every forward call of a fixed serving-like run, concatenated. */
    static float[] run(DecoderModel model) {
        int V = model.config().vocabSize();
        KvPool pool = model.newPool(16, 4);
        List<Sequence> seqs = List.of(pool.newSequence(32), pool.newSequence(32));
        List<int[]> tokens = List.of(new int[] {1, 5, 9, 2, 7, 3, 11}, new int[] {4, 8, 6});
        float[] all = new float[0];
        boolean allRows = true;
        for (int step = 0; step <= STEPS; step++) {
            int rows = allRows ? tokens.get(0).length + tokens.get(1).length : 2;
            float[] logits = Arrays.copyOf(model.forward(seqs, tokens, allRows, ForwardObserver.NONE), rows * V);
            int at = all.length;
            all = Arrays.copyOf(all, at + logits.length);
            System.arraycopy(logits, 0, all, at, logits.length);
            // greedy: the next token of each sequence is the argmax of its last row
            int[] last = allRows ? new int[] {tokens.get(0).length - 1, rows - 1} : new int[] {0, 1};
            List<int[]> next = new ArrayList<>();
            for (int r : last) {
                int best = 0;
                for (int v = 1; v < V; v++) if (logits[r * V + v] > logits[r * V + best]) best = v;
                next.add(new int[] {best});
            }
            tokens = next;
            allRows = false;
        }
        return all;
    }

    static float[] splitRun(String folder, Communicator comm) {
        try (HfModel hf = HfModel.load(Path.of("src/test/resources/models", folder))) {
            hf.model().splitExpertsOver(comm);
            return run(hf.model());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3_moe_f32, 2", "qwen3_moe_f32, 4", "gpt_oss_f32, 2", "qwen2_moe_shared_f32, 4", "mixtral_bf16, 2"})
    void splitExpertsGiveTheSingleProcessLogitsOnEveryRank(String folder, int ranks) throws Exception {
        float[] single;
        int hidden;
        try (HfModel hf = HfModel.load(Path.of("src/test/resources/models", folder))) {
            single = run(hf.model());
            hidden = hf.model().config().hiddenSize();
        }
        List<List<int[]>> rowsSeen = new ArrayList<>();
        List<float[]> got = LocalGroup.run(ranks, TIMEOUT, comm -> {
            RowCounter counter = new RowCounter(comm, hidden);
            float[] logits = splitRun(folder, counter);
            synchronized (rowsSeen) {
                while (rowsSeen.size() <= comm.rank()) rowsSeen.add(null);
                rowsSeen.set(comm.rank(), counter.seen);
            }
            return logits;
        });
        for (int r = 0; r < ranks; r++) {
            // Arrays.mismatch compares the bits (floatToIntBits): -0 and +0 differ, NaN equals NaN
            int at = Arrays.mismatch(single, got.get(r));
            int rank = r;
            assertEquals(-1, at, () -> "rank " + rank + " of " + ranks + " differs from one process at logit " + at + ": "
                    + single[at] + " vs " + got.get(rank)[at]);
        }
        // each all-gather: every rank's block is rows it computed, the blocks add up to all the pair rows, and no rank computed them all
        int calls = rowsSeen.getFirst().size();
        assertTrue(calls > 0, "no all-gather of expert outputs");
        boolean someSplit = false;
        for (int c = 0; c < calls; c++) {
            int total = rowsSeen.getFirst().get(c)[2];
            int computed = 0;
            for (int r = 0; r < ranks; r++) {
                int[] seen = rowsSeen.get(r).get(c);
                assertEquals(seen[1], seen[0], "all-gather " + c + ": rows of rank " + r + "'s block it did not compute");
                computed += seen[1];
                if (seen[1] < total) someSplit = true;
            }
            assertEquals(total, computed, "all-gather " + c + ": pair rows over all ranks");
        }
        assertTrue(someSplit, "every rank computed every pair row");
    }

    @Test
    void expertsThatDoNotDivideOverTheRanksAreRefused() throws Exception {
        try (HfModel hf = HfModel.load(Path.of("src/test/resources/models/granitemoe_bf16"))) {
            List<Communicator> group = LocalGroup.create(4, TIMEOUT);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hf.model().splitExpertsOver(group.getFirst()));
            assertEquals("layer 0 has 6 experts, which do not split evenly over 4 ranks: the number of ranks must divide the number of experts",
                    e.getMessage());
        }
    }

    /** Passes every collective on, counting before each all-gather the rows (of hidden floats) of this rank's block it filled. */
    private static final class RowCounter implements Communicator {
        final Communicator inner;
        final int hidden;
        /** Per all-gather: {nonzero rows of this rank's block, rows of its block, rows}. */
        final List<int[]> seen = new ArrayList<>();

        RowCounter(Communicator inner, int hidden) {
            this.inner = inner;
            this.hidden = hidden;
        }

        @Override public int rank() { return inner.rank(); }
        @Override public int size() { return inner.size(); }

        @Override
        public void allGather(MemorySegment buffer, int[] counts) {
            long from = 0;
            for (int p = 0; p < rank(); p++) from += counts[p];
            int rows = counts[rank()] / hidden;
            int nonzero = 0;
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < hidden; i++) {
                    if (buffer.getAtIndex(ValueLayout.JAVA_FLOAT, from + (long) r * hidden + i) != 0f) {
                        nonzero++;
                        break;
                    }
                }
            }
            seen.add(new int[] {nonzero, rows, Arrays.stream(counts).sum() / hidden});
            inner.allGather(buffer, counts);
        }

        @Override public void allReduceSum(MemorySegment buffer, long count) { inner.allReduceSum(buffer, count); }

        @Override public void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts) {
            inner.allToAll(send, sendCounts, receive, receiveCounts);
        }
        @Override public int[] exchangeCounts(int[] sendCounts) { return inner.exchangeCounts(sendCounts); }
        @Override public void broadcast(MemorySegment buffer, long count, int root) { inner.broadcast(buffer, count, root); }
        @Override public void barrier() { inner.barrier(); }
        @Override public Communicator split(int color, int key) { return inner.split(color, key); }
        @Override public void close() {}
    }
}
