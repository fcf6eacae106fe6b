package org.moe4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.KernelPool;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The cached attention core of {@link CausalSelfAttention#forwardCached}: a sequence's rows come
 * out bit-identical alone or batched with others and on one or two threads, and prefill followed
 * by decoding agrees with the full causal forward.
 */
class CachedSelfAttentionTest {
    private static final int D_MODEL = 1024, HEADS = 8, KV_HEADS = 2, HEAD_DIM = 128, CONTEXT = 128;

    /** A sequence's new rows in one step: q (n, HEADS * HEAD_DIM), k and v (n, KV_HEADS * HEAD_DIM). */
    private record Step(int n, float[] q, float[] k, float[] v) {
        static Step random(long seed, int n) {
            Rng rng = new Rng(seed);
            return new Step(n, normal(rng, n * HEADS * HEAD_DIM), normal(rng, n * KV_HEADS * HEAD_DIM),
                    normal(rng, n * KV_HEADS * HEAD_DIM));
        }
    }

    private static float[] normal(Rng rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    /**
     * Runs every step of the given sequences together (step t of each sequence in one call, as a
     * server batches them) and returns, per step, the output rows of sequence {@code watched}.
     */
    private static List<float[]> run(CausalSelfAttention attention, List<List<Step>> sequences, int watched) {
        int S = sequences.size(), qCols = HEADS * HEAD_DIM, kvCols = KV_HEADS * HEAD_DIM;
        AttentionCache[] caches = new AttentionCache[S];
        for (int s = 0; s < S; s++) caches[s] = attention.newCache(CONTEXT);
        List<float[]> out = new ArrayList<>();
        for (int t = 0; t < sequences.get(0).size(); t++) {
            int[] rowStart = new int[S + 1];
            for (int s = 0; s < S; s++) rowStart[s + 1] = rowStart[s] + sequences.get(s).get(t).n();
            int rows = rowStart[S];
            float[] q = new float[rows * qCols], k = new float[rows * kvCols], v = new float[rows * kvCols];
            for (int s = 0; s < S; s++) {
                Step step = sequences.get(s).get(t);
                System.arraycopy(step.q(), 0, q, rowStart[s] * qCols, step.n() * qCols);
                System.arraycopy(step.k(), 0, k, rowStart[s] * kvCols, step.n() * kvCols);
                System.arraycopy(step.v(), 0, v, rowStart[s] * kvCols, step.n() * kvCols);
            }
            Tensor att = attention.attendCached(q, k, v, rowStart, caches);
            assertEquals(rows, att.rows());
            out.add(Arrays.copyOfRange(att.data(), rowStart[watched] * qCols, rowStart[watched + 1] * qCols));
        }
        return out;
    }

    /** A prefill of {@code prompt} rows, then {@code decodes} single rows. */
    private static List<Step> sequence(long seed, int prompt, int decodes) {
        List<Step> steps = new ArrayList<>();
        steps.add(Step.random(seed, prompt));
        for (int i = 1; i <= decodes; i++) steps.add(Step.random(seed * 1000 + i, 1));
        return steps;
    }

    @Test
    void aSequenceGetsTheSameBitsAloneOrBatchedOnAnyThreadCount() {
        CausalSelfAttention attention = new CausalSelfAttention(D_MODEL, HEADS, KV_HEADS, 10000.0, new Rng(61));
        List<Step> a = sequence(1, 20, 4);
        // others of different lengths; the one with 100 positions grows its cache past 64 during the prefill
        List<List<Step>> batch = List.of(sequence(2, 5, 4), a, sequence(3, 100, 4), sequence(4, 60, 4));
        int before = KernelPool.threads();
        try {
            KernelPool.setThreads(1);
            List<float[]> alone = run(attention, List.of(a), 0);
            List<float[]> batchedOneThread = run(attention, batch, 1);
            KernelPool.setThreads(2);
            List<float[]> aloneTwoThreads = run(attention, List.of(a), 0);
            List<float[]> batchedTwoThreads = run(attention, batch, 1);
            for (int t = 0; t < alone.size(); t++) {
                assertEquals(t == 0 ? 20 * HEADS * HEAD_DIM : HEADS * HEAD_DIM, alone.get(t).length);
                assertArrayEquals(alone.get(t), batchedOneThread.get(t), "step " + t + ": batched, 1 thread");
                assertArrayEquals(alone.get(t), aloneTwoThreads.get(t), "step " + t + ": alone, 2 threads");
                assertArrayEquals(alone.get(t), batchedTwoThreads.get(t), "step " + t + ": batched, 2 threads");
            }
            // a batched decode step (at least 6 + 21 + 101 + 61 positions seen) is spread over threads, a's alone is not
            assertTrue(2L * (6 + 21 + 101 + 61) * HEADS * HEAD_DIM >= CausalSelfAttention.MIN_PARALLEL_MULTIPLY_ADDS);
            assertTrue(2L * 24 * HEADS * HEAD_DIM < CausalSelfAttention.MIN_PARALLEL_MULTIPLY_ADDS);
        } finally {
            KernelPool.setThreads(before);
        }
    }

    @Test
    void prefillThenDecodingAgreesWithTheFullCausalForward() {
        // head dimension 66 (not a multiple of any vector width), grouped heads
        int dModel = 264, heads = 4, kvHeads = 2, T = 20, prompt = 7;
        CausalSelfAttention attention = new CausalSelfAttention(dModel, heads, kvHeads, 10000.0, new Rng(62));
        Rng rng = new Rng(63);
        Tensor x = Init.normal(Tensor.zeros(T, dModel), rng, 0, 1);
        Tensor other = Init.normal(Tensor.zeros(T, dModel), rng, 0, 1);
        Tensor full = attention.forward(Variable.constant(x), T).value();

        AttentionCache[] caches = {attention.newCache(T), attention.newCache(T)};
        // step 0: both prefill `prompt` rows; then both decode one row per step
        Tensor prefill = Tensor.zeros(2 * prompt, dModel);
        System.arraycopy(x.data(), 0, prefill.data(), 0, prompt * dModel);
        System.arraycopy(other.data(), 0, prefill.data(), prompt * dModel, prompt * dModel);
        Tensor y = attention.forwardCached(prefill, new int[] {0, prompt, 2 * prompt}, caches);
        for (int r = 0; r < prompt; r++) assertRowClose(full, r, y, r, "prefill row " + r);
        for (int t = prompt; t < T; t++) {
            Tensor step = Tensor.zeros(2, dModel);
            System.arraycopy(x.data(), t * dModel, step.data(), 0, dModel);
            System.arraycopy(other.data(), t * dModel, step.data(), dModel, dModel);
            y = attention.forwardCached(step, new int[] {0, 1, 2}, caches);
            assertRowClose(full, t, y, 0, "decode position " + t);
        }
        assertEquals(T, caches[0].length());
    }

    private static void assertRowClose(Tensor expected, int er, Tensor actual, int ar, String what) {
        int d = expected.cols();
        for (int c = 0; c < d; c++) {
            float e = expected.data()[er * d + c];
            assertEquals(e, actual.data()[ar * d + c], 1e-5 + 1e-4 * Math.abs(e), what + " column " + c);
        }
    }
}
