package org.moe4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.ModelConfig;
import org.moe4j.tensor.WeightMatrix;

/**
 * The step's bytes and FLOPs counted from the config equal the tensors' sizes in the model file,
 * and a measured step has a positive time against finite bounds.
 */
@Tag("slow")
class StepRooflineTest {
    /** core's conformance case qwen3_moe_f32: 2 layers, width 64, 4 heads of 32, 2 KV heads, 16 experts of 32, top-4, vocabulary 800. */
    static final Path MODEL = Path.of("../core/src/test/resources/models/qwen3_moe_f32");

    @Test
    void theCountsFollowTheShapesOfTheModelsTensors() throws Exception {
        try (HfModel hf = HfModel.load(MODEL)) {
            ModelConfig c = hf.config();
            // per layer: q 64x128, k and v 64x64, o 128x64, router 64x16, each expert 3 x 64x32
            double attention = 64 * 128 + 2 * 64 * 64 + 128 * 64;
            assertEquals(attention, StepRoofline.attentionWeights(c.attention(), 64));
            StepRoofline.Distinct d = new StepRoofline.Distinct(c);
            d.routing(0, new int[] {1, 2, 3, 4, 1, 2, 3, 5}, new float[8], 2, 4);
            d.routing(1, new int[] {7, 7, 7, 7}, new float[4], 1, 4);
            assertEquals(5, d.count(0), "two tokens chose experts 1 to 5");
            assertEquals(1, d.count(1));
            double expected = 2 * 64 + 800 * 64 + 2 * (attention + 16 * 64) + (5 + 1) * 3 * 64 * 32;
            assertEquals(expected, StepRoofline.stepWeights(c, 2, d));
            // a token at position 9 sees 10 positions: keys and values of 2 heads of 32 in each of 2 layers
            assertEquals(2 * 10 * 2 * (32 + 32), StepRoofline.kvFloatsRead(c, 9));
            double flops = 2 * (800 * 64 + 2 * (attention + 16 * 64 + 4 * 3 * 64 * 32)) + 2 * 2 * 4 * (32 + 32) * 10;
            assertEquals(flops, StepRoofline.tokenFlops(c, 9));

            StepRoofline.Machine m = new StepRoofline.Machine(10e9, 50e9, WeightMatrix.Format.F32);
            StepRoofline.Row row = StepRoofline.measure(hf.model(), 4, 8, 4, 4, m);
            assertTrue(row.measuredMs() > 0 && row.rooflineMs() > 0 && row.weightBytes() > 800 * 64 * 4, row.toString());
            assertEquals(Math.max(row.memoryMs(), row.computeMs()), row.rooflineMs());
            // the same step against a machine with twice the bandwidth and half the rate: bounds from the bytes and FLOPs
            StepRoofline.Row other = row.against(new StepRoofline.Machine(20e9, 25e9, WeightMatrix.Format.F32));
            assertEquals((row.weightBytes() + row.kvBytes()) / 20e9 * 1e3, other.memoryMs(), 1e-12);
            assertEquals(row.flops() / 25e9 * 1e3, other.computeMs(), 1e-12);
            assertEquals(row.measuredMs(), other.measuredMs());
            assertTrue(StepRoofline.table(m, java.util.List.of(row)).startsWith("read bandwidth 10.0 GB/s, weight product (F32) 50.0 GFLOP/s"));
        }
    }

    @Test
    void theWeightProductRateIsMeasuredOnThePoolsThreads() {
        for (WeightMatrix.Format f : java.util.List.of(WeightMatrix.Format.F32, WeightMatrix.Format.F16, WeightMatrix.Format.BF16)) {
            double rate = StepRoofline.productRate(f);
            assertTrue(rate > 1e8 && rate < 1e13, f + ": " + rate + " FLOP/s");
        }
    }

    /** The rates come from a new JVM: both positive and finite, the product's within what a core can do. */
    @Test
    void theRatesAreMeasuredInAFreshProcess() throws Exception {
        StepRoofline.Machine m = StepRoofline.machineInFreshProcess(WeightMatrix.Format.F32);
        assertEquals(WeightMatrix.Format.F32, m.format());
        assertTrue(m.readBytesPerSecond() > 1e8 && Double.isFinite(m.readBytesPerSecond()), "read " + m.readBytesPerSecond());
        assertTrue(m.flopsPerSecond() > 1e8 && m.flopsPerSecond() < 1e13, "product " + m.flopsPerSecond());
    }
}
