package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowParallelTest {
    record Block(int from, int to, Thread thread) {}

    private static List<Block> blocks(int rows, int cols) {
        List<Block> blocks = Collections.synchronizedList(new ArrayList<>());
        RowParallel.forRows(rows, cols, (from, to) -> blocks.add(new Block(from, to, Thread.currentThread())));
        blocks.sort(Comparator.comparingInt(Block::from));
        return blocks;
    }

    @Test
    void largeInputsSplitIntoBlocksThatCoverEveryRowOnce() {
        int cols = 1000, rows = (int) (RowParallel.MIN_PARALLEL_ELEMENTS / cols) + 7;
        List<Block> blocks = blocks(rows, cols);
        assertTrue(blocks.size() >= 2, "blocks " + blocks.size());
        int next = 0;
        for (Block b : blocks) {
            assertEquals(next, b.from(), "blocks must tile the rows");
            assertTrue(b.to() > b.from());
            next = b.to();
        }
        assertEquals(rows, next);
    }

    @Test
    void smallInputsRunOnTheCallingThreadInOneBlock() {
        List<Block> small = blocks(100, 100);
        assertEquals(List.of(new Block(0, 100, Thread.currentThread())), small);
        assertEquals(1, blocks(1, 10_000_000).size(), "a single row is never split");
    }
}
