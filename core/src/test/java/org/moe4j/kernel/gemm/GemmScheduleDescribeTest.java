package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What {@code moe4j bench gemm} prints about the threads names the cut {@link GemmSchedule} makes. */
class GemmScheduleDescribeTest {
    @Test
    void twoThreadsNameTheHalvesCutAndOtherCountsTheirOwnSchedule() {
        int tileRows = GemmPlans.current().tile().rows;
        // n >= m: C cut across its columns at half its 32-column tiles
        assertEquals("2 kernel threads, C cut at column 512 into two halves (each thread packs A, and its own columns of B)",
                GemmSchedule.describeThreads(1024, 1024, 1024, 2));
        // n < m: across its rows, at half its row tiles
        int rowCut = (4096 / tileRows + (4096 % tileRows == 0 ? 0 : 1) + 1) / 2 * tileRows;
        assertEquals("2 kernel threads, C cut at row " + rowCut + " into two halves (N < M: each thread packs B, and its own rows of A)",
                GemmSchedule.describeThreads(4096, 1408, 512, 2));
        assertEquals("one task: C is a single tile", GemmSchedule.describeThreads(tileRows, 32, 8192, 2));
        assertEquals("one task: under " + GemmSchedule.PARALLEL_MIN_FLOPS + " floating-point operations, 2 threads would cost more than "
                + "they save", GemmSchedule.describeThreads(64, 64, 64, 2));
        assertEquals("1 kernel thread", GemmSchedule.describeThreads(1024, 1024, 1024, 1));
        assertEquals("4 kernel threads sharing each packed block of B", GemmSchedule.describeThreads(1024, 1024, 1024, 4));
    }
}
