package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;

/** A group of products gives, bit for bit, what each product gives run alone by WeightProduct. */
class ProductGroupTest {
    private record Job(float[] x, int xOff, int ldx, int T, WeightMatrix w, int yOff, int ldy, boolean add) {}

    @Test
    void everyFormatStrideAndSharedInputMatchesTheProductsRunOneByOne() {
        Rng rng = new Rng(11);
        List<Job> jobs = new ArrayList<>();
        float[] shared = KernelTesting.normal(rng, 3 * 300, 1.0);
        for (Format f : WeightProductTest.ELEMENT_FORMATS) {
            // two products reading the same rows of x (as an expert's gate and up), one of more weights than a task takes (TASK_WEIGHTS)
            jobs.add(new Job(shared, 0, 300, 3, WeightProductTest.heap(f, KernelTesting.normal(rng, 1101 * 300, 0.1), 1101, 300),
                    0, 1101, false));
            jobs.add(new Job(shared, 0, 300, 3, WeightProductTest.heap(f, KernelTesting.normal(rng, 6 * 300, 0.1), 6, 300),
                    0, 6, false));
            // a slice of wider rows of x, accumulated into y, columns not a multiple of the vector length
            float[] x = KernelTesting.normal(rng, 5 * 97 + 3, 1.0);
            jobs.add(new Job(x, 3, 97, 5, WeightProductTest.heap(f, KernelTesting.normal(rng, 33 * 90, 0.1), 33, 90),
                    2, 40, true));
        }
        jobs.add(new Job(shared, 0, 300, 1, QuantizedProductTest.random(Format.Q8_0, 64, 288, rng), 0, 64, false));
        jobs.add(new Job(shared, 300, 300, 2, QuantizedProductTest.random(Format.Q4_K, 20, 256, rng), 1, 30, true));

        assertTrue(1101L * 300 > ProductGroup.TASK_WEIGHTS, "the first product is split over several tasks");
        List<float[]> expected = new ArrayList<>();
        List<float[]> actual = new ArrayList<>();
        ProductGroup group = ProductGroup.begin();
        for (Job j : jobs) {
            float[] start = KernelTesting.normal(rng, j.yOff + (j.T - 1) * j.ldy + j.w.rows(), 1.0);
            float[] e = start.clone();
            float[] a = start.clone();
            if (j.add) {
                WeightProduct.multiplyAdd(j.x, j.xOff, j.ldx, j.T, j.w, e, j.yOff, j.ldy);
            } else {
                WeightProduct.multiply(j.x, j.xOff, j.ldx, j.T, j.w, e, j.yOff, j.ldy);
            }
            group.add(j.x, j.xOff, j.ldx, j.T, j.w, a, j.yOff, j.ldy, j.add);
            expected.add(e);
            actual.add(a);
        }
        float[] sharedBefore = shared.clone();
        group.run();
        for (int i = 0; i < jobs.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "job " + i + " (" + jobs.get(i).w.format() + ")");
        }
        assertArrayEquals(sharedBefore, shared, "x is read, never written");

        // the group empties after run: running it again changes nothing
        float[][] again = actual.stream().map(float[]::clone).toArray(float[][]::new);
        group.run();
        for (int i = 0; i < jobs.size(); i++) assertArrayEquals(again[i], actual.get(i));
    }

    @Test
    void aProductThatDoesNotFitItsArraysIsRefusedWhenAdded() {
        WeightMatrix w = WeightMatrix.of(new float[12], 3, 4);
        assertThrows(IndexOutOfBoundsException.class, () -> ProductGroup.begin().add(new float[7], 0, 2, w, new float[6], 0));
    }
}
