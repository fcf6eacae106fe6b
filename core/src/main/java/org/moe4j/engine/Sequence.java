package org.moe4j.engine;

import java.util.Arrays;

/**
 * The decoding state of one sequence: the blocks of a {@link KvPool} that hold its cached keys and
 * values (position p lives in row {@code blocks[p / B] * B + p % B} of the pool's arrays) and the
 * number of positions filled. A sequence made by {@link DecoderModel#newSequence} has a pool of its
 * own, sized for its whole context; one made by {@link KvPool#newSequence} takes blocks as it grows
 * and gives them back with {@link #release}.
 */
public final class Sequence {
    final KvPool pool;
    private final int capacity;
    private int[] blocks;
    private int blockCount;
    private int length;

    Sequence(KvPool pool, int capacity) {
        this.pool = pool;
        this.capacity = capacity;
        this.blocks = new int[Math.min(pool.blocksFor(capacity), 64)];
    }

    /** Positions filled so far. */
    public int length() {
        return length;
    }

    /** The most positions this sequence holds. */
    public int capacity() {
        return capacity;
    }

    /** The pool row of position p. */
    int row(int p) {
        return (blocks[p >> pool.blockShift] << pool.blockShift) | (p & (pool.blockSize - 1));
    }

    /** The pool rows of positions [from, from + n) into {@code out}: one table lookup per block, not per position. */
    void rows(int from, int n, int[] out) {
        int mask = pool.blockSize - 1;
        for (int j = 0; j < n; ) {
            int p = from + j;
            int base = (blocks[p >> pool.blockShift] << pool.blockShift) | (p & mask);
            for (int run = Math.min(n - j, pool.blockSize - (p & mask)), r = 0; r < run; r++) out[j++] = base + r;
        }
    }

    /** Blocks more this sequence must take from its pool to hold {@code positions} positions. */
    public int blocksNeeded(int positions) {
        return Math.max(0, pool.blocksFor(positions) - blockCount);
    }

    /** Takes blocks until {@code positions} fit; false (and nothing taken) if the pool has too few. */
    public boolean reserve(int positions) {
        int need = blocksNeeded(positions);
        if (need == 0) return true;
        if (need > pool.available()) return false;
        for (int i = 0; i < need; i++) append(pool.take());
        return true;
    }

    private void append(int block) {
        if (blockCount == blocks.length) blocks = Arrays.copyOf(blocks, Math.min(pool.blocksFor(capacity), blocks.length * 2));
        blocks[blockCount++] = block;
    }

    /**
     * Starts this empty sequence with the longest published prefix of {@code tokens} in whole
     * blocks, leaving at least {@code keepLast} tokens to compute (a model call needs one new token
     * to give logits). Returns the positions reused.
     */
    public int reusePrefix(int[] tokens, int keepLast) {
        if (length != 0 || blockCount != 0) throw new IllegalStateException("reusePrefix: the sequence already holds positions");
        int full = Math.max(0, tokens.length - keepLast) >> pool.blockShift;
        long hash = 0;
        for (int i = 0; i < full; i++) {
            hash = pool.chainHash(hash, tokens, i);
            int b = pool.reuse(hash);
            if (b < 0) break;
            append(b);
        }
        length = blockCount * pool.blockSize;
        return length;
    }

    /** Publishes the whole blocks of this sequence's first {@code tokens.length} positions (its tokens) for reuse. */
    public void publishPrefix(int[] tokens) {
        int full = Math.min(tokens.length, length) >> pool.blockShift;
        long hash = 0;
        for (int i = 0; i < full; i++) {
            hash = pool.chainHash(hash, tokens, i);
            pool.publish(blocks[i], hash);
        }
    }

    void advance(int tokens) {
        length += tokens;
    }

    /**
     * Moves positions [drop, length) to the front in every layer; the caller re-rotates the keys.
     * Refused while a block is shared with another sequence (its rows are not this sequence's alone).
     */
    void dropOldest(int drop, int keyWidth, int valueWidth) {
        for (int i = 0; i < blockCount; i++) {
            if (pool.shared(blocks[i])) throw new IllegalStateException("shiftContext: the sequence shares its prefix blocks with others");
        }
        int keep = length - drop;
        for (int l = 0; l < pool.keys.length; l++) {
            float[] k = pool.keys[l];
            float[] v = pool.values[l];
            for (int p = 0; p < keep; p++) {
                System.arraycopy(k, row(p + drop) * keyWidth, k, row(p) * keyWidth, keyWidth);
                System.arraycopy(v, row(p + drop) * valueWidth, v, row(p) * valueWidth, valueWidth);
            }
        }
        length = keep;
    }

    /**
     * Forgets the positions from {@code length} on: the next tokens take their places. A chat whose new
     * prompt shares only a prefix with what the cache holds keeps that prefix and prefills the rest.
     * Nothing needs clearing: a forward writes every new row's keys and values before any row attends,
     * and a row attends to positions up to its own only. Refused where the next position lies in a
     * block shared with another sequence (writing it would change theirs).
     */
    public void truncate(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("truncate: length " + length + ", must lie in [0, " + this.length
                    + "] (the positions this sequence holds)");
        }
        int block = length >> pool.blockShift;
        if (length < this.length && block < blockCount && pool.shared(blocks[block])) {
            throw new IllegalStateException("truncate: position " + length + " lies in a block shared with another sequence");
        }
        this.length = length;
    }

    /** Gives every block back to the pool; the sequence starts again at position 0. */
    public void release() {
        for (int i = 0; i < blockCount; i++) pool.release(blocks[i]);
        blockCount = 0;
        length = 0;
    }

    /** Forgets everything: the sequence starts again at position 0. */
    public void reset() {
        release();
    }
}
