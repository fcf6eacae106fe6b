package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Variable;
import org.moe4j.nn.AuxiliaryLosses;

/** The README's "As a library" example, as written there (with a small vocabulary and a short batch). */
class ReadmeExampleTest {
    @Test
    void theLibraryExampleRunsAndLearns() {
        int vocab = 20;
        int[] inputs = new int[128];
        int[] targets = new int[128];
        for (int i = 0; i < 128; i++) {
            inputs[i] = i % vocab;
            targets[i] = (i + 1) % vocab;
        }
        var config = new TransformerConfig(vocab, 256, 4, 4, 128, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(8, 2, 384), MoeSpec.mixtral(8, 2, 384)), false, 1);
        var lm = new TransformerLM(config);
        Variable loss = lm.loss(inputs, targets, 128, new AuxiliaryLosses());   // cross-entropy + balancing losses
        loss.backward();
        assertEquals(Math.log(vocab), loss.value().item(), 0.5, "an untrained model is near uniform");
        assertNotNull(lm.namedParameters().get("model.layers.1.block_sparse_moe.gate.weight").grad());
    }
}
