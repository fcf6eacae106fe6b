package org.moe4j.bench;

import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.MatMul;
import org.moe4j.nn.AttentionCache;
import org.moe4j.nn.CausalSelfAttention;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * One attention layer of the default model (d_model 256, 4 heads, 4 kv heads, headDim 64,
 * context 128) taking a batched decode step: 16 sequences with 80 cached positions each bring one
 * token. Every repetition prefills fresh caches (not timed), then times the single decode step
 * once; it prints the minimum over repetitions of the whole {@link CausalSelfAttention#forwardCached}
 * step, of its four projections alone (the same matrix products on the same shapes), and of their
 * difference, the attention core (RoPE, cache append, scores, softmax, weighted values).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp core/target/classes:bench/target/classes
 * org.moe4j.bench.DecodeAttentionBench [repetitions]} (threads: -Dmoe4j.threads, default the cores).
 */
public final class DecodeAttentionBench {
    private DecodeAttentionBench() {}

    private static final int D_MODEL = 256, HEADS = 4, KV_HEADS = 4, CONTEXT = 128;
    private static final int SEQUENCES = 16, CACHED = 80;

    public static void main(String[] args) {
        int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        if (repetitions < 1) {
            throw new IllegalArgumentException("DecodeAttentionBench: repetitions is " + repetitions + ", must be >= 1");
        }
        Rng rng = new Rng(7);
        CausalSelfAttention attention = new CausalSelfAttention(D_MODEL, HEADS, KV_HEADS, 10000.0, rng);
        Tensor prefill = Init.normal(Tensor.zeros(SEQUENCES * CACHED, D_MODEL), rng, 0, 1);
        Tensor decode = Init.normal(Tensor.zeros(SEQUENCES, D_MODEL), rng, 0, 1);
        int[] prefillStart = new int[SEQUENCES + 1];
        int[] decodeStart = new int[SEQUENCES + 1];
        for (int s = 0; s <= SEQUENCES; s++) {
            prefillStart[s] = s * CACHED;
            decodeStart[s] = s;
        }
        Tensor[] weights = new Tensor[4];
        String[] names = {"q_proj.weight", "k_proj.weight", "v_proj.weight", "o_proj.weight"};
        for (int i = 0; i < 4; i++) weights[i] = attention.namedParameters().get(names[i]).value();

        System.out.printf("threads %d, %d sequences x %d cached positions, %d heads of %d%n", KernelPool.threads(),
                SEQUENCES, CACHED, HEADS, D_MODEL / HEADS);
        long bestStep = Long.MAX_VALUE, bestProjections = Long.MAX_VALUE;
        for (int r = 0; r < repetitions; r++) {
            AttentionCache[] caches = new AttentionCache[SEQUENCES];
            for (int s = 0; s < SEQUENCES; s++) caches[s] = attention.newCache(CONTEXT);
            attention.forwardCached(prefill, prefillStart, caches);
            long t0 = System.nanoTime();
            Tensor y = attention.forwardCached(decode, decodeStart, caches);
            long t1 = System.nanoTime();
            bestStep = Math.min(bestStep, t1 - t0);
            if (y.data()[0] == 12345f) System.out.print(""); // keep y alive
            long p0 = System.nanoTime();
            for (int i = 0; i < 3; i++) MatMul.matmul(decode, false, weights[i], true);
            MatMul.matmul(decode, false, weights[3], true);
            long p1 = System.nanoTime();
            bestProjections = Math.min(bestProjections, p1 - p0);
        }
        System.out.printf("min over %d repetitions: step %.1f us, projections %.1f us, attention core %.1f us%n",
                repetitions, bestStep / 1e3, bestProjections / 1e3, (bestStep - bestProjections) / 1e3);
    }
}
