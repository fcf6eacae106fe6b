package org.moe4j.engine;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The key/value memory of many sequences (paged attention, Kwon et al. 2023, "vLLM"): every layer's
 * keys and values live in one array cut into blocks of {@code blockSize} positions; a sequence
 * holds a table of the blocks it uses, takes a block from the pool each time it grows past the last
 * one, and gives them all back when it is released. No sequence reserves its whole context, so the
 * memory of a pool is shared by as many sequences as their actual lengths fit.
 *
 * <p>Prefix reuse: a full block is named by a hash of every token from position 0 to its end (a
 * chain: the previous block's hash and this block's tokens), because a key or value row depends
 * on all tokens before it. A sequence that has computed a block publishes it under that name; a new
 * sequence whose prompt starts with the same tokens takes the published blocks (counted references)
 * instead of computing them again. A published block nobody uses stays cached until the pool needs
 * it, then the least recently used one is taken. Block contents are never written while shared:
 * a sequence only writes past its shared prefix.
 *
 * <p>Not thread-safe: one scheduler thread owns a pool.
 */
public final class KvPool {
    final float[][] keys;    // per layer: (blocks * blockSize, keyWidth)
    final float[][] values;  // per layer: (blocks * blockSize, valueWidth)
    final int blockSize;
    final int blockShift;
    private final int blocks;
    private final int keyWidth;
    private final int valueWidth;
    private final int[] references;
    private final long[] publishedAs;           // the chain hash a block is published under, or 0
    private final int[] freeStack;
    private int freeCount;
    private final Map<Long, Integer> published = new HashMap<>();
    private final LinkedHashSet<Integer> idle = new LinkedHashSet<>();  // published, unreferenced, oldest first

    /**
     * @param blockSize positions per block, a power of two (a position's block is found by a shift)
     */
    KvPool(int layers, int blocks, int blockSize, int keyWidth, int valueWidth) {
        if (blocks < 1) throw new IllegalArgumentException("KV pool: blocks is " + blocks + ", must be >= 1");
        if (blockSize < 1 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("KV pool: block size is " + blockSize + ", must be a power of two >= 1");
        }
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.blockShift = Integer.numberOfTrailingZeros(blockSize);
        this.keyWidth = keyWidth;
        this.valueWidth = valueWidth;
        int rows = Math.multiplyExact(blocks, blockSize);
        this.keys = new float[layers][];
        this.values = new float[layers][];
        for (int l = 0; l < layers; l++) {
            keys[l] = new float[Math.multiplyExact(rows, keyWidth)];
            values[l] = new float[Math.multiplyExact(rows, valueWidth)];
        }
        this.references = new int[blocks];
        this.publishedAs = new long[blocks];
        this.freeStack = new int[blocks];
        for (int b = 0; b < blocks; b++) freeStack[b] = blocks - 1 - b;
        this.freeCount = blocks;
    }

    /** A sequence drawing on this pool, of at most {@code capacity} positions, holding no block yet. */
    public Sequence newSequence(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("newSequence: capacity " + capacity + ", must be >= 1");
        return new Sequence(this, capacity);
    }

    public int blockSize() {
        return blockSize;
    }

    public int blocks() {
        return blocks;
    }

    /** Blocks a sequence could take now: free ones and cached ones nobody uses. */
    public int available() {
        return freeCount + idle.size();
    }

    /** Blocks held by sequences. */
    public int inUse() {
        return blocks - freeCount - idle.size();
    }

    /** Published blocks nobody uses (kept for prefix reuse until needed). */
    public int cached() {
        return idle.size();
    }

    /** Blocks needed to hold {@code positions} positions. */
    public int blocksFor(int positions) {
        return (positions + blockSize - 1) >> blockShift;
    }

    /** Bytes of one block (keys and values of every layer). */
    public long bytesPerBlock() {
        return (long) keys.length * blockSize * (keyWidth + valueWidth) * Float.BYTES;
    }

    /** Takes a block (a free one first, else the least recently used cached one), or -1 if none is left. */
    int take() {
        int b;
        if (freeCount > 0) {
            b = freeStack[--freeCount];
        } else if (!idle.isEmpty()) {
            b = idle.removeFirst();
            published.remove(publishedAs[b]);
            publishedAs[b] = 0;
        } else {
            return -1;
        }
        references[b] = 1;
        return b;
    }

    /** Drops one reference; an unreferenced block becomes free, or idle if it is published. */
    void release(int b) {
        if (references[b] <= 0) throw new IllegalStateException("KV pool: block " + b + " released more often than taken");
        if (--references[b] > 0) return;
        if (publishedAs[b] != 0) {
            idle.add(b);
        } else {
            freeStack[freeCount++] = b;
        }
    }

    boolean shared(int b) {
        return references[b] > 1;
    }

    /**
     * The chain hash of block {@code index} of a token sequence: a 64-bit mix (SplitMix64's finaliser)
     * of the previous block's hash and this block's tokens. 0 is kept for "not published".
     */
    long chainHash(long previous, int[] tokens, int index) {
        long h = previous ^ 0x9E3779B97F4A7C15L;
        for (int i = index * blockSize, end = i + blockSize; i < end; i++) h = mix(h + tokens[i] * 0xBF58476D1CE4E5B9L);
        return h == 0 ? 1 : h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The published block of a chain hash, referenced for the caller, or -1. */
    int reuse(long hash) {
        Integer b = published.get(hash);
        if (b == null) return -1;
        if (references[b]++ == 0) idle.remove(b);
        return b;
    }

    /** Publishes block b under a chain hash (unless that name is taken already). */
    void publish(int b, long hash) {
        if (publishedAs[b] != 0 || published.containsKey(hash)) return;
        published.put(hash, b);
        publishedAs[b] = hash;
    }
}
