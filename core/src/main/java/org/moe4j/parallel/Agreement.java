package org.moe4j.parallel;

import org.moe4j.dist.Communicator;

/**
 * Whether a phase succeeded on every rank. Each rank contributes a flag to one all-reduce; when
 * any rank failed, the lowest failed rank broadcasts its message (UTF-16 code units, each an
 * exact float) and every rank throws {@link RankFailedException} with it. So a rank that cannot
 * read its checkpoint stops the whole group with its reason on every rank, instead of leaving
 * the others waiting in the next collective.
 */
public final class Agreement {
    /** Longest message carried, in chars. */
    private static final int MAX_CHARS = 2000;

    private Agreement() {}

    /** Returns when no rank failed; else throws the first failed rank's message on every rank. */
    public static void check(Communicator group, Exception localFailure) {
        float[] failed = new float[group.size()];
        if (localFailure != null) failed[group.rank()] = 1;
        group.allReduceSum(failed);
        int first = -1;
        for (int r = 0; r < failed.length && first < 0; r++) if (failed[r] > 0) first = r;
        if (first < 0) return;
        String text = localFailure == null ? "" : String.valueOf(localFailure.getMessage());
        if (text.length() > MAX_CHARS) text = text.substring(0, MAX_CHARS);
        float[] length = {text.length()};
        group.broadcast(length, first);
        float[] chars = new float[(int) length[0]];
        for (int i = 0; i < chars.length && group.rank() == first; i++) chars[i] = text.charAt(i);
        if (chars.length > 0) group.broadcast(chars, first);
        StringBuilder message = new StringBuilder();
        for (float c : chars) message.append((char) c);
        int count = 0;
        for (float f : failed) if (f > 0) count++;
        throw new RankFailedException(first, group.size(), count, message.toString(), localFailure);
    }

    /** One or more ranks failed a phase; {@code rank} is the first of them. */
    public static final class RankFailedException extends RuntimeException {
        private final int rank;

        RankFailedException(int rank, int size, int failedRanks, String message, Throwable cause) {
            super("rank " + rank + " of " + size + (failedRanks > 1 ? " (and " + (failedRanks - 1) + " more)" : "") + ": " + message,
                    cause);
            this.rank = rank;
        }

        public int rank() {
            return rank;
        }
    }
}
