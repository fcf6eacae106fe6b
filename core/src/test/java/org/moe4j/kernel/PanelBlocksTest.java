package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

/**
 * The chunked 8-row blocks over a buffer of decoded rows must give every output the bits of the
 * unchunked float32 blocks ({@link ArrayBlocks#row1Token1}, the definition of {@link WeightBlocks}) on
 * the rows in order: for groups of 8 and the rows after them, rows of one chunk and of several (with a
 * last partial chunk), rows that are not whole vectors, every token count (3 at a time and the ones
 * left), strided x and y, and when adding to y.
 */
class PanelBlocksTest {
    private static final int VL = WideningLoads.VL;

    /** The plain rows (row r at r * cols) laid out as PanelBlocks.start and spread say, in a buffer of PanelBlocks. */
    private static MemorySegment laidOut(float[] plain, int rows, int cols) {
        MemorySegment w = PanelBlocks.buffer(plain.length);
        for (int r = 0; r < rows; r++) {
            int start = PanelBlocks.start(r, rows, cols), spread = PanelBlocks.spread(r, rows, cols);
            for (int c = 0; c < cols; c++) w.setAtIndex(ValueLayout.JAVA_FLOAT, start + (c - c % VL) * spread + c % VL, plain[r * cols + c]);
        }
        return w;
    }

    @Test
    void everyOutputHasTheBitsOfTheFloat32KernelOnThePlainRows() {
        Rng rng = new Rng(11);
        int[][] shapes = {{8, 64}, {16, PanelBlocks.KC}, {12, 2 * PanelBlocks.KC + 3 * 32}, {17, PanelBlocks.KC + VL},
                {36, 96}, {3, 64}, {9, 37}, {24, VL}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1];
            float[] plain = KernelTesting.normal(rng, rows * cols, 1);
            MemorySegment w = laidOut(plain, rows, cols);
            for (int T : new int[] {1, 2, 3, 4, 5, 7, 13}) {
                for (boolean add : new boolean[] {false, true}) {
                    int ldx = cols + 5, ldy = rows + 2, x0 = 3, y0 = 1;
                    float[] x = KernelTesting.normal(rng, x0 + T * ldx, 1);
                    float[] y = KernelTesting.normal(rng, y0 + T * ldy, 1), before = y.clone();
                    PanelBlocks.multiply(w, rows, cols, x, x0, ldx, T, y, y0, ldy, add, new float[PanelBlocks.accumulatorFloats(T)]);
                    for (int t = 0; t < T; t++) {
                        for (int r = 0; r < rows; r++) {
                            int i = y0 + t * ldy + r;
                            float dot = ArrayBlocks.row1Token1(plain, r * cols, cols, x, x0 + t * ldx);
                            float expected = add ? before[i] + dot : dot;
                            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[i]),
                                    "[" + rows + ", " + cols + "] T=" + T + " add=" + add + " token " + t + " row " + r);
                        }
                        for (int r = rows; r < ldy && y0 + t * ldy + r < y.length; r++) {
                            int i = y0 + t * ldy + r;
                            assertEquals(before[i], y[i], "y between the rows of two tokens is left alone");
                        }
                    }
                }
            }
        }
    }

    @Test
    void buffersStartOnACacheLineSoEveryVectorOfAGroupIsOneLine() {
        for (int floats : new int[] {0, 1, 37, 8 * 2048}) {
            MemorySegment b = PanelBlocks.buffer(floats);
            assertEquals(0, b.address() % 64, floats + " floats at " + b.address());
            assertEquals(4L * floats, b.byteSize());
        }
    }

    @Test
    void groupsOfEightAreInterleavedByVectorsAndTheRestFollowInOrder() {
        int rows = 20, cols = 4 * VL;
        // rows 0..15 in two groups: row r's vector c at (r - r % 8) cols + (r % 8) VL + 8 c
        assertEquals(0, PanelBlocks.start(0, rows, cols));
        assertEquals(3 * VL, PanelBlocks.start(3, rows, cols));
        assertEquals(8 * cols + VL, PanelBlocks.start(9, rows, cols));
        assertEquals(8, PanelBlocks.spread(15, rows, cols));
        // rows 16..19 after them, cols apart
        assertEquals(16 * cols, PanelBlocks.start(16, rows, cols));
        assertEquals(19 * cols, PanelBlocks.start(19, rows, cols));
        assertEquals(1, PanelBlocks.spread(16, rows, cols));
        // every position of the block used exactly once
        boolean[] used = new boolean[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int at = PanelBlocks.start(r, rows, cols) + (c - c % VL) * PanelBlocks.spread(r, rows, cols) + c % VL;
                assertTrue(!used[at], "position " + at + " used twice");
                used[at] = true;
            }
        }
        // rows that are not whole vectors are not interleaved
        assertEquals(5 * (VL + 1), PanelBlocks.start(5, 16, VL + 1));
        assertEquals(1, PanelBlocks.spread(5, 16, VL + 1));
    }
}
