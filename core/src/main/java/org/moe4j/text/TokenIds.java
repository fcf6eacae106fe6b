package org.moe4j.text;

/** The id range check every decoder makes, with one message form. */
final class TokenIds {
    private TokenIds() {}

    static void check(String op, int[] ids, int i, int vocabSize) {
        int id = ids[i];
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(op + ": id " + id + " at position " + i + " is out of range [0, "
                    + vocabSize + ")");
        }
    }
}
