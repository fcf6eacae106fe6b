package org.moe4j.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level byte-pair encoding (Sennrich et al. 2016, "Neural Machine Translation of Rare Words
 * with Subword Units"; on bytes as in GPT-2, Radford et al. 2019). Ids 0..255 are the byte values;
 * merge i joins the adjacent pair {@code (left_i, right_i)} into the new id {@code 256 + i}; special
 * tokens follow the merges. Text is encoded as its UTF-8 bytes, split into pieces by
 * {@link PreTokenizer}, and within each piece the pair with the lowest merge index is merged
 * (every non-overlapping occurrence, left to right) until no learned pair is left. Since every
 * byte has an id, any string round-trips exactly; ids whose bytes are not valid UTF-8 decode with
 * U+FFFD (see {@link Utf8}).
 *
 * <p>Encoding a piece is cached (pieces repeat: Moby-Dick's 267,171 pieces are 25,332 distinct
 * ones); the cache is thread-safe and is emptied when it reaches {@link #CACHE_LIMIT} pieces.
 * {@link BpeTrainer} learns the merges.
 */
public final class BytePairEncoding implements Tokenizer {
    static final String KIND = "bpe";
    /** Most pieces kept in the encoding cache. */
    public static final int CACHE_LIMIT = 1 << 18;

    // merges: (numMerges, 2) as left/right ids
    private final int[] mergeLeft;
    private final int[] mergeRight;
    private final PairMap rank;
    private final byte[][] tokenBytes;
    private final SpecialTokens specials;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * The encoding with these merges: {@code merges[i] = {left, right}}, both ids below
     * {@code 256 + i} (a merge can only use bytes and earlier merges), no pair learned twice.
     */
    public BytePairEncoding(int[][] merges, List<String> specialTokens) {
        int n = merges.length;
        mergeLeft = new int[n];
        mergeRight = new int[n];
        rank = new PairMap(n);
        tokenBytes = new byte[256 + n][];
        for (int b = 0; b < 256; b++) {
            tokenBytes[b] = new byte[] {(byte) b};
        }
        for (int i = 0; i < n; i++) {
            if (merges[i].length != 2) {
                throw new IllegalArgumentException("BytePairEncoding: merge " + i + " has " + merges[i].length
                        + " ids, expected a pair");
            }
            int left = merges[i][0], right = merges[i][1];
            for (int id : merges[i]) {
                if (id < 0 || id >= 256 + i) {
                    throw new IllegalArgumentException("BytePairEncoding: merge " + i + " uses id " + id
                            + ", allowed are bytes and earlier merges, [0, " + (256 + i) + ")");
                }
            }
            if (rank.get(left, right, -1) >= 0) {
                throw new IllegalArgumentException("BytePairEncoding: merge " + i + " (" + left + ", " + right
                        + ") repeats merge " + rank.get(left, right, -1));
            }
            mergeLeft[i] = left;
            mergeRight[i] = right;
            rank.put(left, right, i);
            byte[] joined = Arrays.copyOf(tokenBytes[left], tokenBytes[left].length + tokenBytes[right].length);
            System.arraycopy(tokenBytes[right], 0, joined, tokenBytes[left].length, tokenBytes[right].length);
            tokenBytes[256 + i] = joined;
        }
        specials = new SpecialTokens(specialTokens, 256 + n);
    }

    /** Number of learned merges. */
    public int numMerges() {
        return mergeLeft.length;
    }

    /** Merge {@code i} as {@code {left, right}}. */
    public int[] merge(int i) {
        return new int[] {mergeLeft[i], mergeRight[i]};
    }

    /** The bytes token {@code id} stands for (a copy). */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= vocabSize()) {
            throw new IllegalArgumentException("BytePairEncoding.tokenBytes: id " + id + " is out of range [0, "
                    + vocabSize() + ")");
        }
        return (id < tokenBytes.length ? tokenBytes[id] : specials.bytesOf(id)).clone();
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        IntList out = new IntList(bytes.length / 3 + 16);
        PreTokenizer.split(bytes, 0, bytes.length, (start, end) -> {
            String key = new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
            int[] ids = cache.get(key);
            if (ids == null) {
                ids = encodePiece(bytes, start, end);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(key, ids);
            }
            out.addAll(ids);
        });
        return out.toArray();
    }

    /** The merges applied to one piece; reference form of the cached path, used by it. */
    int[] encodePiece(byte[] bytes, int start, int end) {
        int n = end - start;
        int[] symbols = new int[n];
        for (int i = 0; i < n; i++) {
            symbols[i] = bytes[start + i] & 0xff;
        }
        while (n > 1) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = rank.get(symbols[i], symbols[i + 1], Integer.MAX_VALUE);
                best = Math.min(best, r);
            }
            if (best == Integer.MAX_VALUE) {
                break;
            }
            int left = mergeLeft[best], right = mergeRight[best];
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && symbols[i] == left && symbols[i + 1] == right) {
                    symbols[w++] = 256 + best;
                    i++;
                } else {
                    symbols[w++] = symbols[i];
                }
            }
            n = w;
        }
        return Arrays.copyOf(symbols, n);
    }

    @Override
    public String decode(int[] ids) {
        return Utf8.decode(decodeBytes(ids));
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int i = 0; i < ids.length; i++) {
            TokenIds.check("BytePairEncoding.decode", ids, i, vocabSize());
            int id = ids[i];
            out.writeBytes(id < tokenBytes.length ? tokenBytes[id] : specials.bytesOf(id));
        }
        return out.toByteArray();
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length + specials.count();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int specialTokenId(String name) {
        return specials.idOf(name);
    }

    @Override
    public Map<String, Object> toJson() {
        List<Object> merges = new ArrayList<>(mergeLeft.length);
        for (int i = 0; i < mergeLeft.length; i++) {
            merges.add(List.of((long) mergeLeft[i], (long) mergeRight[i]));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("merges", merges);
        json.put("specialTokens", specials.toJson());
        return json;
    }

    static BytePairEncoding fromJson(Map<String, Object> json) {
        List<?> list = TokenizerFile.list(json, "merges");
        int[][] merges = new int[list.size()][];
        for (int i = 0; i < merges.length; i++) {
            if (!(list.get(i) instanceof List<?> pair) || pair.size() != 2) {
                throw new IllegalArgumentException("field \"merges\"[" + i + "] is not a pair [left, right]");
            }
            merges[i] = new int[] {
                TokenizerFile.intIn(pair, 0, "merges[" + i + "]", 0, 255L + i),
                TokenizerFile.intIn(pair, 1, "merges[" + i + "]", 0, 255L + i)};
        }
        return new BytePairEncoding(merges, TokenizerFile.strings(json, "specialTokens"));
    }
}
