package org.moe4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.HfModel;
import org.moe4j.io.SafeTensorsFile;

/** Sliding-window perplexity: one window equals transformers' loss of the case; windows score each token once. */
class PerplexityTest {
    static final Path CASE = Path.of("src/test/resources/models-extra/llama3_tied");

    @Test
    void oneWindowGivesTheCaseLossOfTransformers() throws Exception {
        try (HfModel m = HfModel.load(CASE); SafeTensorsFile expected = SafeTensorsFile.open(CASE.resolve("expected.safetensors"))) {
            int[] shape = expected.info("input_ids").intShape();
            long[] all = expected.longs("input_ids");
            // the case's loss is the mean over both sequences of equal length: the mean of the two perplexity runs
            double sum = 0;
            for (int b = 0; b < shape[0]; b++) {
                int[] ids = new int[shape[1]];
                for (int i = 0; i < ids.length; i++) ids[i] = (int) all[b * shape[1] + i];
                Perplexity.Result r = Perplexity.compute(m.model(), ids, ids.length, ids.length);
                assertEquals(ids.length - 1, r.tokens());
                sum += r.meanNll();
            }
            assertEquals(expected.floats("loss").data()[0], sum / shape[0], 2e-5);
        }
    }

    @Test
    void slidingWindowsScoreEveryTokenOnceFromItsOwnWindow() throws Exception {
        try (HfModel m = HfModel.load(CASE)) {
            DecoderModel model = m.model();
            int[] ids = new int[23];
            for (int i = 0; i < ids.length; i++) ids[i] = 3 + (i * 37) % 300;
            Perplexity.Result r = Perplexity.compute(model, ids, 8, 5);
            assertEquals(ids.length - 1, r.tokens());
            // by hand: windows [0,8) scores 1..7, [5,13) scores 8..12, [10,18) 13..17, [15,23) 18..22
            double nll = 0;
            int[][] windows = {{0, 8, 1}, {5, 13, 8}, {10, 18, 13}, {15, 23, 18}};
            for (int[] w : windows) {
                int[] chunk = java.util.Arrays.copyOfRange(ids, w[0], w[1]);
                float[] logits = model.forward(List.of(model.newSequence(8)), List.of(chunk), true, ForwardObserver.NONE).clone();
                int V = model.config().vocabSize();
                for (int t = w[2]; t < w[1]; t++) {
                    int row = t - w[0] - 1;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < V; i++) max = Math.max(max, logits[row * V + i]);
                    double z = 0;
                    for (int i = 0; i < V; i++) z += Math.exp(logits[row * V + i] - max);
                    nll += Math.log(z) + max - logits[row * V + ids[t]];
                }
            }
            assertEquals(4, r.windows());
            assertEquals(nll / (ids.length - 1), r.meanNll(), 1e-9);
            assertThrows(IllegalArgumentException.class, () -> Perplexity.compute(model, ids, 8, 9));
        }
    }
}
