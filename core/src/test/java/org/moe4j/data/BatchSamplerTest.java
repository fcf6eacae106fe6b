package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchSamplerTest {
    static final int N = 10_000;
    static final int VOCAB = N;

    @TempDir
    Path dir;
    TokenFile file;

    @BeforeEach
    void writePositions() throws IOException {
        // token i is i, so a token says where it was read
        int[] tokens = new int[N];
        Arrays.setAll(tokens, i -> i);
        file = TokenFile.open(TokenFileTest.write(dir.resolve("pos.bin"), VOCAB, tokens));
    }

    @AfterEach
    void close() {
        file.close();
    }

    @Test
    void targetsAreInputsShiftedByOneWithinTheTrainingRange() {
        DataSplit split = DataSplit.lastFraction(N, 0.1);
        BatchSampler sampler = BatchSampler.training(file, split, 8, 32, 42);
        for (long step = 0; step < 200; step++) {
            Batch b = sampler.batch(step);
            assertEquals(8, b.batchSize());
            assertEquals(32, b.contextLength());
            for (int row = 0; row < 8; row++) {
                int first = b.inputs()[row * 32];
                assertTrue(first >= 0 && first + 32 < split.trainLength(), "window start " + first + " leaves the training range");
                for (int t = 0; t < 32; t++) {
                    assertEquals(first + t, b.inputs()[row * 32 + t]);
                    assertEquals(first + t + 1, b.targets()[row * 32 + t]);
                }
            }
        }
    }

    @Test
    void aBatchIsAPureFunctionOfSeedAndStep() {
        BatchSampler a = new BatchSampler(file, 0, N, 4, 16, 7);
        List<Batch> run = new ArrayList<>();
        for (long step = 0; step < 50; step++) {
            run.add(a.batch(step));
        }
        // a fresh sampler (a resumed run) asked for steps out of order gives the same batches
        BatchSampler resumed = new BatchSampler(file, 0, N, 4, 16, 7);
        for (long step = 49; step >= 25; step--) {
            assertArrayEquals(run.get((int) step).inputs(), resumed.batch(step).inputs());
            assertArrayEquals(run.get((int) step).targets(), resumed.batch(step).targets());
        }
        assertFalse(Arrays.equals(run.get(0).inputs(), run.get(1).inputs()));
        assertFalse(Arrays.equals(run.get(3).inputs(), new BatchSampler(file, 0, N, 4, 16, 8).batch(3).inputs()));
    }

    @Test
    void windowStartsCoverTheRangeEvenly() {
        // 10 windows exactly: starts 100..109 of a range [100, 120) with T = 10
        BatchSampler sampler = new BatchSampler(file, 100, 20, 10, 10, 3);
        int[] hits = new int[10];
        for (long step = 0; step < 2000; step++) {
            int[] in = sampler.batch(step).inputs();
            for (int row = 0; row < 10; row++) {
                hits[in[row * 10] - 100]++;
            }
        }
        for (int h : hits) {
            // 20,000 draws over 10 starts: 2,000 each, sd about 42
            assertTrue(h > 1800 && h < 2200, Arrays.toString(hits));
        }
    }

    @Test
    void impossibleShapesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchSampler(file, 0, 16, 2, 16, 1));
        assertEquals("BatchSampler: the range has 16 tokens, fewer than context length + 1 = 17; use a larger corpus or a shorter context",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(file, 0, N, 0, 16, 1));
        e = assertThrows(IllegalArgumentException.class, () -> new BatchSampler(file, 9_990, 20, 1, 4, 1));
        assertEquals("BatchSampler: range [9990, 10010) is outside the token file's [0, 10000)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(file, 0, N, 1, 4, 1).batch(-1));
    }

    @Test
    void validationReadsEveryWindowInOrder() {
        DataSplit split = DataSplit.lastFraction(N, 0.1);
        assertEquals(new DataSplit(0, 9_000, 9_000, 1_000), split);
        ValidationBatches val = ValidationBatches.of(file, split, 4, 64);
        // (1000 - 1) / 64 = 15 windows: 4 batches, the last with 3 rows
        assertEquals(15, val.windows());
        assertEquals(4, val.batches());
        int expectedStart = 9_000;
        int batches = 0;
        for (Batch b : val) {
            batches++;
            assertEquals(batches < 4 ? 4 : 3, b.batchSize());
            for (int row = 0; row < b.batchSize(); row++) {
                for (int t = 0; t < 64; t++) {
                    assertEquals(expectedStart + t, b.inputs()[row * 64 + t]);
                    assertEquals(expectedStart + t + 1, b.targets()[row * 64 + t]);
                }
                expectedStart += 64;
            }
        }
        assertEquals(4, batches);
        assertEquals(9_000 + 15 * 64, expectedStart);
        assertTrue(expectedStart + 1 <= N);
    }

    @Test
    void splitFractionsAreChecked() {
        assertEquals(new DataSplit(0, 9, 9, 1), DataSplit.lastFraction(10, 0.05));
        assertEquals(new DataSplit(0, 10, 10, 0), DataSplit.lastFraction(10, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSplit.lastFraction(10, 1.0));
        assertEquals("DataSplit: validation fraction is 1.0, must be in [0, 1)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DataSplit.lastFraction(10, Double.NaN));
    }
}
