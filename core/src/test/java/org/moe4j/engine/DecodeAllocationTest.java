package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.kernel.KernelPool;

/**
 * Once warm, a decode step allocates no arrays on the calling thread: the workspace and the caches are
 * reused, and the weight products hand their work to the pool without a lambda. What remains is a few
 * small objects per step (the step's row description and the attention loop's lambda, tens of bytes),
 * so the bound, 512 bytes, is far below one copy of any buffer (the logits alone are 3.2 KB).
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
            int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
            int[][] next = new int[1][1];
            List<int[]> tokens = List.of(next[0]);
            // long enough for C2 to compile prefill and decode paths alike: interpreted Vector API code boxes every
            // vector, and a path first taken after compilation (a prefill) sends the compiled code back to the interpreter
            for (int i = 0; i < 4000; i++) {
                if (s.length() == 0 || s.length() > 300) {
                    s.reset();
                    model.forward(seqs, List.of(prompt), false, ForwardObserver.NONE);
                }
                next[0][0] = 10 + i % 200;
                model.forward(seqs, tokens, false, ForwardObserver.NONE);
            }
            s.reset();
            model.forward(seqs, List.of(prompt), false, ForwardObserver.NONE);
            for (int i = 0; i < 100; i++) {
                next[0][0] = 20 + i;
                model.forward(seqs, tokens, false, ForwardObserver.NONE);
            }
            // on a loaded machine C2 may compile late: rounds of 50 steps go on until one stays under the bound
            // (a buffer copied per step never would), 40 rounds at most
            int steps = 50;
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 40 && least >= 512; round++) {
                if (s.length() + steps > 400) {
                    s.reset();
                    model.forward(seqs, List.of(prompt), false, ForwardObserver.NONE);
                }
                long before = bean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < steps; i++) {
                    next[0][0] = 30 + i;
                    model.forward(seqs, tokens, false, ForwardObserver.NONE);
                }
                least = Math.min(least, (bean.getCurrentThreadAllocatedBytes() - before) / steps);
            }
            assertTrue(least < 512, "a warm decode step allocated " + least + " bytes at the least");
        } finally {
            KernelPool.setThreads(threads);
        }
    }
}
