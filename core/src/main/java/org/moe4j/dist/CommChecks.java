package org.moe4j.dist;

import java.lang.foreign.MemorySegment;

/** The argument checks every implementation shares; messages name the call, the value and the range. */
final class CommChecks {
    private CommChecks() {}

    static void count(String call, MemorySegment buffer, long count) {
        if (count < 0 || count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(call + ": count " + count + " must be in [0, " + Integer.MAX_VALUE + "]");
        }
        if (buffer.byteSize() < count * Communicator.FLOAT_BYTES) {
            throw new IllegalArgumentException(call + ": count " + count + " floats need " + count * Communicator.FLOAT_BYTES
                    + " bytes but the buffer holds " + buffer.byteSize());
        }
    }

    static void root(String call, int root, int size) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException(call + ": root " + root + " must be in [0, " + (size - 1) + "]");
        }
    }

    /** Checks one per-peer count array and returns its total. */
    static long counts(String call, String name, int[] counts, int size) {
        if (counts.length != size) {
            throw new IllegalArgumentException(call + ": " + name + " has " + counts.length + " entries but the group has " + size + " ranks");
        }
        long total = 0;
        for (int p = 0; p < size; p++) {
            if (counts[p] < 0) {
                throw new IllegalArgumentException(call + ": " + name + "[" + p + "] = " + counts[p] + " must be >= 0");
            }
            total += counts[p];
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(call + ": " + name + " add up to " + total + " floats, more than " + Integer.MAX_VALUE);
        }
        return total;
    }

    /** Checks an all-gather's counts against the buffer; returns their total. */
    static long allGather(MemorySegment buffer, int[] counts, int size) {
        long total = counts("allGather", "counts", counts, size);
        count("allGather", buffer, total);
        return total;
    }

    static void allToAll(MemorySegment send, int[] sendCounts, MemorySegment receive, int[] receiveCounts, int size) {
        long sent = counts("allToAll", "sendCounts", sendCounts, size);
        long received = counts("allToAll", "receiveCounts", receiveCounts, size);
        count("allToAll send", send, sent);
        count("allToAll receive", receive, received);
    }
}
