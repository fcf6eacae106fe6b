package org.moe4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class TransformerConfigTest {
    private static final List<FeedForwardSpec> LAYERS = List.of(MoeSpec.mixtral(8, 2, 384), MoeSpec.mixtral(8, 2, 384));

    @Test
    void ofGivesTheDefaultTrainShapeAndWithMethodsChangeOneThing() {
        TransformerConfig c = TransformerConfig.of(83, LAYERS);
        assertEquals(new TransformerConfig(83, 256, 4, 4, 128, 10000.0, 1e-5f, LAYERS, false, 1), c);
        assertEquals(new TransformerConfig(83, 512, 8, 2, 64, 10000.0, 1e-5f, LAYERS, true, 7),
                c.withDModel(512).withHeads(8, 2).withContextLength(64).withTieEmbeddings(true).withSeed(7));
        assertEquals(c, TransformerConfig.fromJson(c.toJson()), "run.json round trip");
    }

    @Test
    void theRecordsChecksStillRun() {
        var e = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.of(83, LAYERS).withHeads(3, 1));
        assertEquals("transformer config: heads is 3, must be >= 1 and dividing dModel 256", e.getMessage());
        var kv = assertThrows(IllegalArgumentException.class, () -> TransformerConfig.of(83, LAYERS).withHeads(4, 3));
        assertEquals("transformer config: kvHeads is 3, must be >= 1 and dividing heads 4", kv.getMessage());
    }
}
