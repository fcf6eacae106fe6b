package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;

/**
 * Once warm, a decode step allocates no arrays on the calling thread: the workspace and the caches are
 * reused. What remains is about 40 bytes per weight product (the capturing lambda handed to the kernel
 * pool; this model's step makes 35 products), so the bound is below one copy of the logits (2 KB).
 */
class DecodeAllocationTest {
    @Test
    void steadyStateDecodeAllocatesLittle() throws Exception {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int threads = KernelPool.threads();
        try (HfModel m = HfModel.load(Path.of("src/test/resources/models/qwen3_moe_f32"))) {
            KernelPool.setThreads(1);
            DecoderModel model = m.model();
            Sequence s = model.newSequence(400);
            List<Sequence> seqs = List.of(s);
            model.forward(seqs, List.of(new int[] {1, 2, 3, 4, 5, 6, 7, 8}), false, ForwardObserver.NONE);
            int[][] next = new int[1][1];
            List<int[]> tokens = List.of(next[0]);
            for (int i = 0; i < 100; i++) {
                next[0][0] = 10 + i;
                model.forward(seqs, tokens, false, ForwardObserver.NONE);
            }
            // the least of a few windows: while the JIT is still compiling (slow on a loaded machine) the vector
            // code allocates its boxes, which says nothing about the steady state; an allocation the decode path
            // makes itself shows in every window
            int steps = 50;
            long perStep = Long.MAX_VALUE;
            for (int window = 0; window < 5 && perStep >= 2000; window++) {
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < steps; i++) {
                    next[0][0] = 20 + window * steps + i;
                    model.forward(seqs, tokens, false, ForwardObserver.NONE);
                }
                perStep = Math.min(perStep, (bean.getCurrentThreadAllocatedBytes() - before) / steps);
            }
            assertTrue(perStep < 2000, "a warm decode step allocated " + perStep + " bytes");
        } finally {
            KernelPool.setThreads(threads);
        }
    }
}
