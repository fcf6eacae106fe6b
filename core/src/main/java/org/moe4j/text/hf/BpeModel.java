package org.moe4j.text.hf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.moe4j.text.IntList;

/**
 * The {@code BPE} model of a tokenizer.json (Sennrich et al. 2016, "Neural Machine Translation of
 * Rare Words with Subword Units"): a vocabulary of strings with ids and a ranked list of merges.
 * A word (one pre-tokenized piece) starts as its characters' ids (the first without, the others
 * with {@code continuing_subword_prefix}, the last with {@code end_of_word_suffix}); a character
 * not in the vocabulary becomes its UTF-8 byte tokens {@code <0xHH>} ({@code byte_fallback}), else
 * {@code unk_token} (consecutive ones fused with {@code fuse_unk}), else it is dropped, as in the
 * library. Then the adjacent pair of lowest rank is merged, ties to the leftmost, until no pair
 * has a merge ({@link #mergeAll}). With {@code ignore_merges} a word that is itself in the
 * vocabulary is that one token.
 *
 * <p>Words repeat, so their ids are cached (thread-safe; emptied when it reaches {@link #CACHE_LIMIT}).
 */
final class BpeModel {
    /** Most words kept in the cache. */
    static final int CACHE_LIMIT = 1 << 17;
    /** Longest word (in chars) that is cached; longer ones are rare and would crowd the cache. */
    private static final int CACHE_MAX_WORD = 256;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeTable ranks;
    private final int[] mergeNewId;
    private final String continuingSubwordPrefix;
    private final String endOfWordSuffix;
    private final String unkToken;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    // ids of single BMP characters, -1 where none; used when there is no prefix or suffix to add
    private final int[] bmpCharId;
    private final int[] byteTokenId = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, List<String[]> merges, String continuingSubwordPrefix, String endOfWordSuffix,
            String unkToken, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges) {
        this.vocab = vocab;
        this.continuingSubwordPrefix = continuingSubwordPrefix;
        this.endOfWordSuffix = endOfWordSuffix;
        this.unkToken = unkToken;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        int maxId = -1;
        for (int id : vocab.values()) {
            if (id < 0) {
                throw new TokenizerFormatException("model.vocab: id " + id + " is negative; ids are >= 0");
            }
            maxId = Math.max(maxId, id);
        }
        idToToken = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            idToToken[e.getValue()] = e.getKey();
        }
        ranks = new MergeTable(merges.size());
        mergeNewId = new int[merges.size()];
        int prefixLength = continuingSubwordPrefix == null ? 0 : continuingSubwordPrefix.length();
        for (int i = 0; i < merges.size(); i++) {
            String a = merges.get(i)[0], b = merges.get(i)[1];
            int left = idOrFail(a, i), right = idOrFail(b, i);
            // the library joins a with b minus the prefix's length, whether or not b starts with it
            if (b.length() < prefixLength) {
                throw new TokenizerFormatException("model.merges[" + i + "]: " + JsonNode.describe(b)
                        + " is shorter than continuing_subword_prefix " + JsonNode.describe(continuingSubwordPrefix));
            }
            mergeNewId[i] = idOrFail(a + b.substring(prefixLength), i);
            ranks.put(left, right, i);
        }
        bmpCharId = new int[continuingSubwordPrefix == null && endOfWordSuffix == null ? 0x10000 : 0];
        Arrays.fill(bmpCharId, -1);
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (bmpCharId.length > 0 && e.getKey().length() == 1) {
                bmpCharId[e.getKey().charAt(0)] = e.getValue();
            }
        }
        for (int b = 0; b < 256; b++) {
            byteTokenId[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    private int idOrFail(String token, int merge) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new TokenizerFormatException("model.merges[" + merge + "]: " + JsonNode.describe(token)
                    + " is not in model.vocab");
        }
        return id;
    }

    /** Number of entries of the vocabulary (the library's {@code get_vocab_size}). */
    int vocabSize() {
        return vocab.size();
    }

    /** One past the largest id of the vocabulary. */
    int idLimit() {
        return idToToken.length;
    }

    /** The id of {@code token}, or -1. */
    int tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? -1 : id;
    }

    /** The string of token {@code id}, or null. */
    String tokenText(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = mergeWord(word);
            if (word.length() <= CACHE_MAX_WORD) {
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(word, ids);
            }
        }
        out.addAll(ids);
    }

    /** The ids of {@code word}: its characters' ids, merged; the reference path, uncached. */
    int[] mergeWord(String word) {
        IntList symbols = new IntList(word.length() + 4);
        int unkId = -1;
        int n = word.length();
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int next = i + Character.charCount(cp);
            int id;
            String s = null;
            if (bmpCharId.length > 0 && cp < 0x10000) {
                id = bmpCharId[cp];
            } else {
                s = word.substring(i, next);
                if (continuingSubwordPrefix != null && i > 0) {
                    s = continuingSubwordPrefix + s;
                }
                if (endOfWordSuffix != null && next == n) {
                    s = s + endOfWordSuffix;
                }
                id = vocab.getOrDefault(s, -1);
            }
            i = next;
            if (id >= 0) {
                if (unkId >= 0) {
                    symbols.add(unkId);
                    unkId = -1;
                }
                symbols.add(id);
                continue;
            }
            if (byteFallback) {
                if (s == null) {
                    s = Character.toString(cp);
                }
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : utf8) {
                    all &= byteTokenId[b & 0xff] >= 0;
                }
                if (all) {
                    for (byte b : utf8) {
                        symbols.add(byteTokenId[b & 0xff]);
                    }
                    continue;
                }
            }
            if (unkToken != null) {
                int unk = vocab.getOrDefault(unkToken, -1);
                if (unk < 0) {
                    throw new IllegalStateException("tokenizer.json: model.unk_token " + JsonNode.describe(unkToken)
                            + " is not in model.vocab, and the text has a character that needs it");
                }
                if (unkId >= 0 && !fuseUnk) {
                    symbols.add(unkId);
                }
                unkId = unk;
            }
        }
        if (unkId >= 0) {
            symbols.add(unkId);
        }
        return mergeAll(symbols.toArray());
    }

    /**
     * Merges {@code c} (token ids) as the library's {@code Word::merge_all}: a min-heap of candidate
     * merges keyed by (rank, position); the top one is applied unless its left symbol was already
     * merged away or its pair has changed to one with another result; each merge queues the new
     * pairs it forms with its neighbours. Symbols are a linked list over the array.
     */
    int[] mergeAll(int[] c) {
        int n = c.length;
        if (n < 2) {
            return c;
        }
        int[] prev = new int[n], next = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int rank = ranks.get(c[i], c[i + 1]);
            if (rank >= 0) {
                queue.push(((long) rank << 32) | i);
            }
        }
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32), pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int current = ranks.get(c[pos], c[right]);
            if (current < 0 || mergeNewId[current] != mergeNewId[rank]) {
                continue;
            }
            c[pos] = mergeNewId[rank];
            removed[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                int r = ranks.get(c[prev[pos]], c[pos]);
                if (r >= 0) {
                    queue.push(((long) r << 32) | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                int r = ranks.get(c[pos], c[next[pos]]);
                if (r >= 0) {
                    queue.push(((long) r << 32) | pos);
                }
            }
        }
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (!removed[i]) {
                c[kept++] = c[i];
            }
        }
        return Arrays.copyOf(c, kept);
    }

    /**
     * The plain form of {@link #mergeAll}: merge the adjacent pair of lowest rank (the leftmost
     * among equals) until none has a merge. Quadratic; the test that the two agree uses it.
     */
    int[] mergeAllReference(int[] symbols) {
        int[] c = symbols.clone();
        int n = c.length;
        while (n > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = ranks.get(c[i], c[i + 1]);
                if (r >= 0 && r < bestRank) {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) {
                break;
            }
            c[best] = mergeNewId[bestRank];
            System.arraycopy(c, best + 2, c, best + 1, n - best - 2);
            n--;
        }
        return Arrays.copyOf(c, n);
    }

    /** The model read from the {@code model} member of a tokenizer.json. */
    static BpeModel fromJson(JsonNode node) {
        node.type(List.of("BPE"));
        JsonNode dropout = node.get("dropout");
        if (!dropout.isNull() && !(dropout.value() instanceof Number d && d.doubleValue() == 0)) {
            throw new TokenizerFormatException("model.dropout is " + JsonNode.describe(dropout.value())
                    + "; moe4j supports only null or 0 (BPE dropout makes encoding random)");
        }
        Map<String, Object> vocabJson = node.get("vocab").object();
        Map<String, Integer> vocab = new HashMap<>(vocabJson.size() * 2);
        for (Map.Entry<String, Object> e : vocabJson.entrySet()) {
            if (!(e.getValue() instanceof Long id) || id < 0 || id > Integer.MAX_VALUE - 1) {
                throw new TokenizerFormatException("model.vocab." + e.getKey() + " is " + JsonNode.describe(e.getValue())
                        + ", expected an id in [0, " + (Integer.MAX_VALUE - 1) + "]");
            }
            vocab.put(e.getKey(), (int) (long) id);
        }
        List<String[]> merges = new java.util.ArrayList<>();
        JsonNode mergesNode = node.get("merges");
        List<?> list = mergesNode.value() instanceof List<?> l ? l : null;
        if (list == null) {
            throw mergesNode.error("expected an array of merges");
        }
        for (int i = 0; i < list.size(); i++) {
            Object m = list.get(i);
            if (m instanceof String line) {
                if (line.startsWith("#version")) {
                    continue;
                }
                String[] parts = line.split(" ", -1);
                if (parts.length != 2) {
                    throw new TokenizerFormatException("model.merges[" + i + "] is " + JsonNode.describe(line)
                            + ", expected two tokens separated by one space");
                }
                merges.add(parts);
            } else if (m instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                merges.add(new String[] {a, b});
            } else {
                throw new TokenizerFormatException("model.merges[" + i + "] is " + JsonNode.describe(m)
                        + ", expected \"a b\" or [\"a\", \"b\"]");
            }
        }
        return new BpeModel(vocab, merges, node.get("continuing_subword_prefix").stringOr(null),
                node.get("end_of_word_suffix").stringOr(null), node.get("unk_token").stringOr(null),
                node.get("fuse_unk").boolOr(false), node.get("byte_fallback").boolOr(false), node.get("ignore_merges").boolOr(false));
    }
}
