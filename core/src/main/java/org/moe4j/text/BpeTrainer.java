package org.moe4j.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-pair merges from a text (Sennrich et al. 2016, algorithm 1, on bytes). The text is
 * split into pieces by {@link PreTokenizer} and each distinct piece counted once with its frequency.
 * Each step merges the most frequent adjacent pair over all pieces (an overlapping run such as
 * "aaa" counts the pair (a, a) twice); ties go to the pair with the smaller left id, then the
 * smaller right id, so training is deterministic. Training stops early when no pair occurs at least
 * {@code minCount} times.
 *
 * <p>Counts are kept incrementally (as in the HuggingFace tokenizers trainer): every pair knows the
 * pieces it occurs in, and a merge re-counts only those pieces, subtracting their old pairs and
 * adding their new ones; a priority queue with lazy deletion (an entry whose count is out of date is
 * skipped) yields the next pair. A merge costs time in proportion to the pieces it touches, not to
 * the corpus.
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** {@code numMerges} merges learned from {@code text}, pairs needing at least 2 occurrences. */
    public static BytePairEncoding train(String text, int numMerges, List<String> specialTokens) {
        return train(text, numMerges, 2, specialTokens);
    }

    public static BytePairEncoding train(String text, int numMerges, long minCount, List<String> specialTokens) {
        if (numMerges < 0) {
            throw new IllegalArgumentException("BpeTrainer.train: numMerges is " + numMerges + ", must be >= 0");
        }
        if (minCount < 1) {
            throw new IllegalArgumentException("BpeTrainer.train: minCount is " + minCount + ", must be >= 1");
        }
        return new Run(countPieces(text)).learn(numMerges, minCount, specialTokens);
    }

    /** Distinct pieces of {@code text} (bytes held as ISO-8859-1 strings) and how often each occurs. */
    static Map<String, long[]> countPieces(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Map<String, long[]> counts = new HashMap<>();
        PreTokenizer.split(bytes, 0, bytes.length, (start, end) ->
                counts.computeIfAbsent(new String(bytes, start, end - start, StandardCharsets.ISO_8859_1),
                        k -> new long[1])[0]++);
        return counts;
    }

    /** Statistics of one adjacent pair. */
    private static final class Pair {
        final int left, right;
        long count;
        boolean touched;
        // pieces the pair has occurred in; may hold duplicates and pieces that no longer contain it
        IntList pieces = new IntList(4);

        Pair(int left, int right) {
            this.left = left;
            this.right = right;
        }
    }

    /** A queue entry: the pair's count when it was queued. */
    private record Candidate(long count, int left, int right) {}

    private static final class Run {
        final int[][] symbols;
        final long[] freq;
        final Map<Long, Pair> pairs = new HashMap<>();
        final PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> a.count != b.count
                ? Long.compare(b.count, a.count)
                : a.left != b.left ? Integer.compare(a.left, b.left) : Integer.compare(a.right, b.right));
        final List<Pair> touched = new ArrayList<>();

        Run(Map<String, long[]> pieces) {
            symbols = new int[pieces.size()][];
            freq = new long[pieces.size()];
            int w = 0;
            for (Map.Entry<String, long[]> e : pieces.entrySet()) {
                String s = e.getKey();
                int[] sym = new int[s.length()];
                for (int i = 0; i < sym.length; i++) {
                    sym[i] = s.charAt(i);
                }
                symbols[w] = sym;
                freq[w] = e.getValue()[0];
                addPairs(w);
                w++;
            }
            enqueueTouched();
        }

        BytePairEncoding learn(int numMerges, long minCount, List<String> specialTokens) {
            int[][] merges = new int[numMerges][];
            int learned = 0;
            int[] seen = new int[symbols.length];
            while (learned < numMerges && !queue.isEmpty()) {
                Candidate c = queue.poll();
                Pair p = pairs.get(PairMap.key(c.left, c.right));
                if (p == null || p.count != c.count) {
                    continue;
                }
                if (p.count < minCount) {
                    break;
                }
                int newId = 256 + learned;
                merges[learned++] = new int[] {p.left, p.right};
                IntList where = p.pieces;
                for (int i = 0; i < where.size(); i++) {
                    int w = where.get(i);
                    if (seen[w] == learned) {
                        continue;
                    }
                    seen[w] = learned;
                    if (contains(symbols[w], p.left, p.right)) {
                        removePairs(w);
                        symbols[w] = merged(symbols[w], p.left, p.right, newId);
                        addPairs(w);
                    }
                }
                pairs.remove(PairMap.key(p.left, p.right));
                enqueueTouched();
            }
            return new BytePairEncoding(Arrays.copyOf(merges, learned), specialTokens);
        }

        private void addPairs(int w) {
            int[] s = symbols[w];
            for (int i = 0; i + 1 < s.length; i++) {
                Pair p = pairs.computeIfAbsent(PairMap.key(s[i], s[i + 1]), k -> new Pair((int) (k >>> 32), (int) (long) k));
                p.count += freq[w];
                p.pieces.add(w);
                touch(p);
            }
        }

        private void removePairs(int w) {
            int[] s = symbols[w];
            for (int i = 0; i + 1 < s.length; i++) {
                Pair p = pairs.get(PairMap.key(s[i], s[i + 1]));
                p.count -= freq[w];
                touch(p);
            }
        }

        private void touch(Pair p) {
            if (!p.touched) {
                p.touched = true;
                touched.add(p);
            }
        }

        private void enqueueTouched() {
            for (Pair p : touched) {
                p.touched = false;
                if (p.count > 0 && pairs.get(PairMap.key(p.left, p.right)) == p) {
                    queue.add(new Candidate(p.count, p.left, p.right));
                }
            }
            touched.clear();
        }

        private static boolean contains(int[] s, int left, int right) {
            for (int i = 0; i + 1 < s.length; i++) {
                if (s[i] == left && s[i + 1] == right) {
                    return true;
                }
            }
            return false;
        }

        /** {@code s} with every non-overlapping (left, right), scanned left to right, replaced by {@code id}. */
        private static int[] merged(int[] s, int left, int right, int id) {
            int[] out = new int[s.length];
            int n = 0;
            for (int i = 0; i < s.length; i++) {
                if (i + 1 < s.length && s[i] == left && s[i + 1] == right) {
                    out[n++] = id;
                    i++;
                } else {
                    out[n++] = s[i];
                }
            }
            return Arrays.copyOf(out, n);
        }
    }
}
