package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.moe4j.run.Checkpoint;
import org.moe4j.tensor.Tensor;

/** Two checkpoints of the same training, one by several ranks: the same tensors, the same values to 2e-3. */
final class ParallelCheckpoints {
    private ParallelCheckpoints() {}

    static void assertClose(Path expected, Path actual) throws IOException {
        Map<String, Tensor> want = Checkpoint.load(expected).model();
        Map<String, Tensor> got = Checkpoint.load(actual).model();
        assertEquals(want.keySet(), got.keySet());
        for (var e : want.entrySet()) {
            float[] a = e.getValue().toArray();
            float[] b = got.get(e.getKey()).toArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 2e-3, e.getKey() + "[" + i + "]");
        }
    }
}
