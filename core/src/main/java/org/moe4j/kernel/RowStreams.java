package org.moe4j.kernel;

/**
 * How a one-token product walks its rows from memory: in passes of four streams, rows
 * {@code s + i}, {@code s + q + i}, {@code s + 2q + i}, {@code s + 3q + i} for i in [0, q), so each stream
 * runs on through consecutive rows (a row is often only 1 to 4 KB, too short for the hardware
 * prefetcher to follow on its own).
 *
 * <p>The spacing q is chosen so that the four streams sit at nearly the same offset within their 4 KiB
 * pages ({@code q * rowBytes} within {@link #PAGE_SLACK} bytes of a multiple of 4096): the streams then
 * cross their page boundaries together, where the prefetcher has to start each of them again, and the
 * four misses there overlap instead of following one another. On the 2-core Xeon (one thread, MXFP4
 * rows of 2,880 columns from memory, a throwaway harness; 2026-12-06) four streams a quarter of 2,048
 * rows apart read 4.0 GB/s, and 514 rows apart (1,530-byte rows: 12 bytes short of a multiple of 4096)
 * 6.4; in tasks of 88 rows, 22 rows apart 4.7 and 8 apart (48 bytes short) 6.7.
 *
 * <p>A pass takes the largest such q up to a quarter of the rows left, or a quarter of them when no q
 * fits; passes repeat until fewer than 4 rows are left, which go one at a time. Which rows share a pass
 * does not change a row's bits. The callers write the passes out ({@code for (q = spacing(r1 - s, ..);
 * q > 0; s += 4 q, q = spacing(r1 - s, ..))}) rather than take a callback, which the decoding path would
 * have to allocate.
 */
final class RowStreams {
    /** How far from a page multiple the streams' distance may be, in bytes: one cache line. */
    static final int PAGE_SLACK = 64;
    private static final long PAGE = 4096;

    private RowStreams() {}

    /** The spacing of the next pass over {@code rows} rows of {@code rowBytes} bytes (0 when fewer than 4 are left). */
    static int spacing(int rows, long rowBytes) {
        int most = rows / 4;
        for (int q = most; q >= 1; q--) {
            long off = q * rowBytes % PAGE;
            if (Math.min(off, PAGE - off) <= PAGE_SLACK) {
                return q;
            }
        }
        return most;
    }
}
