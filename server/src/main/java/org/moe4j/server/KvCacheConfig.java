package org.moe4j.server;

/**
 * How the server keeps its sequences' keys and values: one pool of blocks for all of them.
 *
 * @param blocks       blocks in the pool; 0 sizes it by itself ({@link #blocksFor})
 * @param blockSize    positions per block, a power of two in [1, 1024]
 * @param prefillChunk most prompt tokens fed in one step, summed over the sequences still reading
 *                     their prompts: a long prompt is read over several steps while the others go
 *                     on decoding, one token per step each
 * @param prefixReuse  whether sequences share the blocks of a common prompt prefix
 */
public record KvCacheConfig(int blocks, int blockSize, int prefillChunk, PrefixReuse prefixReuse) {
    public enum PrefixReuse { ON, OFF }

    /** With blocks = 0: the pool gets at most this share of the JVM's heap. */
    static final double HEAP_SHARE = 0.25;

    public KvCacheConfig {
        if (blocks < 0) throw new IllegalArgumentException("KV cache: blocks is " + blocks + ", must be >= 0 (0: sized by the server)");
        if (blockSize < 1 || blockSize > 1024 || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("KV cache: block size is " + blockSize + ", must be a power of two in [1, 1024]");
        }
        if (prefillChunk < 1) throw new IllegalArgumentException("KV cache: prefill chunk is " + prefillChunk + ", must be >= 1");
        if (prefixReuse == null) throw new IllegalArgumentException("KV cache: prefix reuse is null, must be ON or OFF");
    }

    /** Sized by the server, blocks of 16 positions, prompts fed 256 tokens a step, prefixes shared. */
    public static KvCacheConfig defaults() {
        return new KvCacheConfig(0, 16, 256, PrefixReuse.ON);
    }

    /**
     * The pool's blocks: as configured, or enough for {@code maxBatch} sequences of the whole
     * context if that fits in {@link #HEAP_SHARE} of the heap, else what fits; never fewer than one
     * whole context (plus a block), so every request the context admits can run.
     */
    int blocksFor(int maxBatch, int context, long bytesPerBlock, long maxHeap) {
        int perSequence = (context + blockSize - 1) / blockSize;
        if (blocks > 0) {
            if (blocks < perSequence) {
                throw new IllegalArgumentException("KV cache: " + blocks + " blocks of " + blockSize + " positions cannot hold one sequence "
                        + "of the context (" + context + " positions need " + perSequence + ")");
            }
            return blocks;
        }
        long affordable = (long) (maxHeap * HEAP_SHARE) / Math.max(1, bytesPerBlock);
        long wanted = (long) maxBatch * perSequence;
        return (int) Math.max(perSequence + 1, Math.min(wanted, Math.min(affordable, Integer.MAX_VALUE / 2)));
    }
}
