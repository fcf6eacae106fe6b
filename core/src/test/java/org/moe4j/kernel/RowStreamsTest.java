package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.WeightMatrix.Format;
import org.moe4j.tensor.Rng;

class RowStreamsTest {
    @Test
    void theStreamsSitAtOnePageOffsetWhereSomeSpacingAllowsIt() {
        // MXFP4 rows of 2,880 columns are 1,530 bytes: 506 rows are 36 bytes past 189 pages, 8 rows 48 short of 3
        assertEquals(506, RowStreams.spacing(2048, 1530));
        assertEquals(8, RowStreams.spacing(88, 1530));
        // no spacing up to 6 rows comes within a cache line of a page multiple: a quarter of the rows
        assertEquals(6, RowStreams.spacing(24, 1530));
        // rows of 1,088 bytes (MXFP4, 2,048 columns): a quarter of 2,048 rows is 136 pages exactly
        assertEquals(512, RowStreams.spacing(2048, 1088));
        // float32 rows of 2,880 columns (11,520 bytes) meet a page multiple every 16 rows
        assertEquals(16, RowStreams.spacing(91, 11520));
        assertEquals(0, RowStreams.spacing(3, 1530));
        assertEquals(1, RowStreams.spacing(4, 1530));
    }

    /**
     * 91 rows of 1,530 (MXFP4), 3,060 (Q8_0), 11,520 (float32) or 1,584 bytes (Q4_K) take passes of
     * different spacings and 3 rows left over: every row is written, with the bits of that row computed
     * alone.
     */
    @Test
    void aWalkOfSeveralPassesWritesEveryRowOnceWithTheBitsOfThatRowAlone() {
        Rng rng = new Rng(7);
        int rows = 91;
        WeightMatrix[] matrices = {
            QuantizedProductTest.random(Format.MXFP4_GGML, rows, 2880, rng),
            QuantizedProductTest.random(Format.Q8_0, rows, 2880, rng),
            QuantizedProductTest.random(Format.Q4_K, rows, 2816, rng),
            WeightMatrix.of(KernelTesting.normal(rng, rows * 2880, 1), rows, 2880),
        };
        for (WeightMatrix w : matrices) {
            float[] x = KernelTesting.normal(rng, w.cols(), 1);
            float[] y = new float[rows];
            java.util.Arrays.fill(y, Float.NaN);
            WeightProduct.rowRange(0, rows, x, 0, w.cols(), 1, w, y, 0, rows, false);
            for (int r = 0; r < rows; r++) {
                float[] alone = {Float.NaN};
                WeightProduct.rowRange(r, r + 1, x, 0, w.cols(), 1, w, alone, -r, rows, false);
                assertEquals(Float.floatToRawIntBits(alone[0]), Float.floatToRawIntBits(y[r]), w.format() + " row " + r);
            }
        }
    }
}
