package org.moe4j.autograd;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.kernel.BatchInvariantGemm;
import org.moe4j.nn.Linear;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Sgd;
import org.moe4j.train.ParameterGroups;

/**
 * Inference mode records nothing, gives each row of a linear map the bits it gets alone, agrees
 * with the training path, and follows the weights when an optimizer or a load changes them.
 */
class InferenceModeTest {
    @Test
    void linearRowsAreBatchInvariantAndAgreeWithTheTrainingPath() {
        Rng rng = new Rng(3);
        Linear layer = new Linear(70, 90, true, rng);
        Tensor x = Init.normal(Tensor.zeros(13, 70), rng, 0, 1);
        Tensor trained = layer.forward(Variable.constant(x)).value();
        Tensor batched;
        try (var scope = InferenceMode.enter()) {
            assertTrue(InferenceMode.isActive());
            assertFalse(GradMode.isEnabled(), "inference mode records nothing");
            Variable y = layer.forward(Variable.constant(x));
            assertFalse(y.requiresGrad());
            batched = y.value();
            for (int r = 0; r < 13; r++) {
                Tensor one = layer.forward(Variable.constant(Tensor.of(x.slice(r, r + 1).toArray(), 1, 70))).value();
                for (int j = 0; j < 90; j++) {
                    assertEquals(Float.floatToIntBits(one.at(j)), Float.floatToIntBits(batched.at(r * 90 + j)), "row " + r + " column " + j);
                }
            }
        }
        assertFalse(InferenceMode.isActive());
        assertTrue(GradMode.isEnabled());
        for (int i = 0; i < trained.size(); i++) assertEquals(trained.at(i), batched.at(i), 1e-5, "element " + i);
    }

    @Test
    void theTransposedCopyFollowsOptimizerStepsAndLoads() {
        Rng rng = new Rng(4);
        Linear layer = new Linear(8, 5, false, rng);
        float[] before = layer.weight().packedForInference();
        assertSame(before, layer.weight().packedForInference(), "kept while the weight is unchanged");
        assertArrayEquals(BatchInvariantGemm.pack(layer.weight().value().toArray(), 0, 1, 5, 8), before);

        Tensor x = Init.normal(Tensor.zeros(2, 8), rng, 0, 1);
        Arithmetic.sum(layer.forward(Variable.constant(x))).backward();
        new Sgd(ParameterGroups.standard(layer, 0.5, 0.0), 0.0, false).step();
        float[] afterStep = layer.weight().packedForInference();
        assertNotSame(before, afterStep, "an optimizer step invalidates the copy");
        assertArrayEquals(BatchInvariantGemm.pack(layer.weight().value().toArray(), 0, 1, 5, 8), afterStep);
        assertFalse(java.util.Arrays.equals(before, afterStep), "the step changed the weight");

        var state = layer.stateDict();
        state.put("weight", Tensor.full(2f, 5, 8));
        layer.loadStateDict(state);
        assertEquals(2f, layer.weight().packedForInference()[17], "a load invalidates the copy");
    }
}
