package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * The paged KV cache gives the same bits as a sequence's own contiguous cache: sequences that
 * interleave their blocks in one pool, a prefix taken from another sequence, and a prompt fed in
 * chunks all produce logits equal to the plain single-sequence pass.
 */
class KvPoolTest {
    static HfModel hf;
    static DecoderModel model;
    static int V;

    @BeforeAll
    static void load() throws Exception {
        hf = HfModel.load(Path.of("src/test/resources/models/qwen3_moe_f32"));
        model = hf.model();
        V = model.config().vocabSize();
    }

    @AfterAll
    static void close() throws Exception {
        hf.close();
    }

    static int[] tokens(long seed, int n) {
        Rng rng = new Rng(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = rng.nextInt(V);
        return t;
    }

    /** Logits of every position of {@code tokens} run through a fresh own-pool sequence at once. */
    static float[] alone(int[] tokens) {
        return Arrays.copyOf(model.forward(List.of(model.newSequence(64)), List.of(tokens), true, ForwardObserver.NONE), tokens.length * V);
    }

    @Test
    void sequencesInterleavedInOnePoolGiveTheBitsOfTheirOwnCaches() {
        KvPool pool = model.newPool(40, 4);
        int[][] prompts = {tokens(1, 13), tokens(2, 5), tokens(3, 22)};
        List<Sequence> seqs = new ArrayList<>();
        for (int[] p : prompts) seqs.add(pool.newSequence(64));
        // grow them one token at a time, all three per call, so their blocks interleave in the pool
        float[][] got = new float[3][];
        for (int s = 0; s < 3; s++) got[s] = new float[prompts[s].length * V];
        for (int t = 0; t < 22; t++) {
            List<Sequence> step = new ArrayList<>();
            List<int[]> toks = new ArrayList<>();
            List<Integer> who = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                if (t < prompts[s].length) {
                    step.add(seqs.get(s));
                    toks.add(new int[] {prompts[s][t]});
                    who.add(s);
                }
            }
            float[] logits = model.forward(step, toks, false, ForwardObserver.NONE);
            for (int i = 0; i < who.size(); i++) System.arraycopy(logits, i * V, got[who.get(i)], t * V, V);
        }
        for (int s = 0; s < 3; s++) assertArrayEquals(alone(prompts[s]), got[s], "sequence " + s);
        assertEquals(4 + 2 + 6, pool.inUse());
        for (Sequence s : seqs) s.release();
        assertEquals(0, pool.inUse());
        assertEquals(40, pool.available());
    }

    @Test
    void aPublishedPrefixIsReusedAndTheRestComputesToTheSameBits() {
        KvPool pool = model.newPool(16, 4);
        int[] system = tokens(7, 10);
        int[] a = concat(system, tokens(8, 3));
        int[] b = concat(system, tokens(9, 6));
        Sequence first = pool.newSequence(64);
        model.forward(List.of(first), List.of(a), true, ForwardObserver.NONE);
        first.publishPrefix(a);
        first.release();
        assertEquals(3, pool.cached(), "13 tokens fill 3 blocks of 4; they stay cached");

        Sequence second = pool.newSequence(64);
        int reused = second.reusePrefix(b, 1);
        assertEquals(8, reused, "the 10 shared tokens cover 2 whole blocks; the third block differs");
        float[] rest = Arrays.copyOf(model.forward(List.of(second), List.of(Arrays.copyOfRange(b, reused, b.length)), true, ForwardObserver.NONE),
                (b.length - reused) * V);
        float[] whole = alone(b);
        assertArrayEquals(Arrays.copyOfRange(whole, reused * V, b.length * V), rest);

        Sequence same = pool.newSequence(64);
        assertEquals(12, same.reusePrefix(a, 1), "the whole of a's 3 full blocks, leaving its 13th token to compute");
        Sequence full = pool.newSequence(64);
        assertEquals(8, full.reusePrefix(Arrays.copyOf(a, 12), 1), "a 12-token prompt keeps its last block's token to compute");
    }

    @Test
    void cachedBlocksAreTakenOldestFirstWhenThePoolRunsOut() {
        KvPool pool = model.newPool(4, 4);
        int[] p = tokens(11, 8);
        Sequence s = pool.newSequence(64);
        model.forward(List.of(s), List.of(p), false, ForwardObserver.NONE);
        s.publishPrefix(p);
        s.release();
        assertEquals(2, pool.cached());
        assertEquals(4, pool.available());
        Sequence big = pool.newSequence(64);
        assertTrue(big.reserve(13), "4 blocks: the 2 free and the 2 cached ones");
        assertEquals(0, pool.cached());
        assertFalse(pool.newSequence(64).reserve(1), "nothing left");
        big.release();
        assertEquals(0, pool.newSequence(64).reusePrefix(p, 1), "the evicted prefix is gone");
    }

    @Test
    void aPromptFedInChunksGivesTheBitsOfOnePass() {
        int[] p = tokens(21, 30);
        float[] whole = alone(p);
        Sequence s = model.newPool(10, 4).newSequence(64);
        float[] chunked = new float[p.length * V];
        for (int from = 0; from < p.length; from += 7) {
            int to = Math.min(p.length, from + 7);
            float[] logits = model.forward(List.of(s), List.of(Arrays.copyOfRange(p, from, to)), true, ForwardObserver.NONE);
            System.arraycopy(logits, 0, chunked, from * V, (to - from) * V);
        }
        assertArrayEquals(whole, chunked);
    }

    @Test
    void aFullPoolAndASharedPrefixAreRefusedWithMessages() {
        KvPool pool = model.newPool(2, 4);
        Sequence s = pool.newSequence(64);
        var e = assertThrows(IllegalStateException.class,
                () -> model.forward(List.of(s), List.of(tokens(31, 9)), false, ForwardObserver.NONE));
        assertEquals("forward: sequence 0 needs 3 more KV blocks, its pool has 2 left", e.getMessage());
        int[] p = tokens(32, 5);
        model.forward(List.of(s), List.of(p), false, ForwardObserver.NONE);
        s.publishPrefix(p);
        Sequence other = pool.newSequence(64);
        assertEquals(4, other.reusePrefix(p, 1));
        var shared = assertThrows(IllegalStateException.class, () -> model.shiftContext(s, 2));
        assertEquals("shiftContext: the sequence shares its prefix blocks with others", shared.getMessage());
        var size = assertThrows(IllegalArgumentException.class, () -> model.newPool(4, 6));
        assertEquals("KV pool: block size is 6, must be a power of two >= 1", size.getMessage());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
