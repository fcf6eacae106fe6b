package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class ChainedDotTest {
    @Test
    void agreesWithTheReferenceAtEveryLength() {
        Rng rng = new Rng(6);
        for (int n = 0; n <= 150; n++) {
            float[] a = new float[n + 5];
            float[] b = new float[n + 2];
            for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian();
            double ref = ReductionsReference.dot(a, 5, b, 2, n);
            assertEquals(ref, ChainedDot.dot(a, 5, b, 2, n), 1e-5 * (1 + Math.sqrt(n)), "n = " + n);
        }
    }
}
