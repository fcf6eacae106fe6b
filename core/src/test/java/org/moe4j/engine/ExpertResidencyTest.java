package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.engine.gguf.GgufExport;
import org.moe4j.engine.gguf.GgufModel;
import org.moe4j.engine.gguf.QuantType;

/**
 * Experts kept in RAM: the same bits as reading every expert from the mapped file (F32 folder and a
 * Q8_0 GGUF file), the most used experts of each layer resident after a rebalance, and the counts of
 * lookups and hits.
 */
@Tag("slow")
class ExpertResidencyTest {
    static final Path CASE = Path.of("src/test/resources/models/olmoe_top8of64_f32");

    @TempDir
    Path dir;

    /** The logits of a 64-token prompt and then 40 greedy steps. */
    static List<float[]> decode(DecoderModel model) {
        Sequence s = model.newSequence(128);
        int[] prompt = IntStream.range(0, 64).map(i -> (i * 37 + 11) % model.config().vocabSize()).toArray();
        List<float[]> out = new ArrayList<>();
        float[] logits = model.forward(List.of(s), List.of(prompt), false, ForwardObserver.NONE);
        out.add(logits.clone());
        for (int step = 0; step < 40; step++) {
            int next = 0;
            for (int v = 1; v < logits.length; v++) if (logits[v] > logits[next]) next = v;
            logits = model.forward(List.of(s), List.of(new int[] {next}), false, ForwardObserver.NONE);
            out.add(logits.clone());
        }
        return out;
    }

    static void assertSameBits(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(Arrays.toString(a.get(i)), Arrays.toString(b.get(i)), "step " + i);
        }
    }

    @Test
    void residentExpertsGiveTheBitsOfTheMappedOnes() throws Exception {
        try (HfModel hf = HfModel.load(CASE)) {
            List<float[]> mapped = decode(hf.model());
            try (ExpertResidency r = hf.model().keepExpertsInRam(8)) {
                assertSameBits(mapped, decode(hf.model()));
                for (ExpertResidency.LayerStats s : r.stats()) {
                    assertEquals((64 + 40) * 8, s.lookups(), "layer " + s.layer());
                    assertTrue(s.hits() > 0 && s.hits() < s.lookups(), s.toString());
                    assertEquals(8, s.resident());
                }
                assertTrue(r.residentBytes() > 0);
                r.close();
                assertSameBits(mapped, decode(hf.model()));
                assertEquals(0, r.residentBytes(), "a closed residency copies nothing more");
            }
        }
        Path q8 = dir.resolve("olmoe.q8_0.gguf");
        try (HfModel hf = HfModel.load(CASE)) {
            GgufExport.write(q8, hf.config(), hf.weights(), GgufExport.ropeParameters(new HfConfig(hf.folder().config(), "c")),
                    QuantType.Q8_0, "olmoe", w -> { });
        }
        try (GgufModel g = GgufModel.load(q8)) {
            List<float[]> mapped = decode(g.model());
            try (ExpertResidency r = g.model().keepExpertsInRam(16)) {
                assertSameBits(mapped, decode(g.model()));
            }
        }
    }

    @Test
    void theMostUsedExpertsOfEachLayerBecomeResident() throws Exception {
        try (HfModel hf = HfModel.load(CASE)) {
            DecoderModel m = hf.model();
            long[][] uses = new long[2][64];
            ForwardObserver counting = new ForwardObserver() {
                @Override
                public void routing(int layer, int[] experts, float[] w, int T, int k) {
                    for (int i = 0; i < T * k; i++) uses[layer][experts[i]]++;
                }
            };
            try (ExpertResidency r = m.keepExpertsInRam(5)) {
                int[] prompt = IntStream.range(0, ExpertResidency.REBALANCE_TOKENS).map(i -> (i * 13 + 5) % 500).toArray();
                m.forward(List.of(m.newSequence(80)), List.of(prompt), false, counting);
                for (int layer = 0; layer < 2; layer++) {
                    long[] u = uses[layer];
                    List<Integer> top = IntStream.range(0, 64).boxed()
                            .sorted(Comparator.<Integer>comparingLong(e -> -u[e]).thenComparingInt(e -> e)).limit(5).sorted().toList();
                    assertEquals(top, r.residentExperts(layer), "layer " + layer + " uses " + Arrays.toString(u));
                    assertEquals(0, r.stats().get(layer).hits(), "nothing was resident while the first tokens were routed");
                }
            }
        }
    }

    @Test
    void aCountBeyondTheExpertsIsRefused() throws Exception {
        try (HfModel hf = HfModel.load(CASE)) {
            var e = assertThrows(IllegalArgumentException.class, () -> hf.model().keepExpertsInRam(65));
            assertEquals("experts in RAM per layer is 65, must be in [0, 64]", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> hf.model().keepExpertsInRam(-1));
            assertEquals("experts in RAM per layer is -1, must be in [0, 64]", e.getMessage());
        }
    }
}
