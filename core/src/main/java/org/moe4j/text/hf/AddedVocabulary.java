package org.moe4j.text.hf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The added tokens of a tokenizer and how the library finds them in a text before the model sees
 * it ({@code AddedVocabulary::extract_and_normalize}):
 * <ol>
 *   <li>the tokens with {@code normalized: false} are matched in the raw text;</li>
 *   <li>each stretch between them is normalized, and the tokens with {@code normalized: true} are
 *       matched in it by their normalized form.</li>
 * </ol>
 * Matching is leftmost-longest (the library builds an Aho-Corasick automaton with that match kind):
 * scanning left to right, the first position where any token matches wins, with its longest token
 * there. Then {@code single_word} drops a match that touches a word character, {@code lstrip} and
 * {@code rstrip} widen it over adjacent whitespace.
 *
 * <p>Ids are assigned as the library does on loading: a token whose text is in the model's
 * vocabulary (or was added before) takes that id, any other the next id from the model's
 * vocabulary size on, whatever id the file gives.
 */
final class AddedVocabulary {
    /** Receives the parts of a text in order: added tokens ({@code tokenId >= 0}) and normalized stretches between them ({@code -1}). */
    @FunctionalInterface
    interface PartSink {
        void accept(String text, int tokenId, boolean atStart);
    }

    private final Map<Integer, AddedToken> byId = new LinkedHashMap<>();
    private final Map<Integer, String> decodedText = new HashMap<>();
    private final Map<String, Integer> byContent = new HashMap<>();
    private final Set<Integer> specialIds = new HashSet<>();
    private final Set<String> specialContents = new HashSet<>();
    private final Trie raw = new Trie();
    private final Trie normalizedForms = new Trie();
    private final Normalizer normalizer;

    AddedVocabulary(List<JsonNode> tokens, BpeModel model, Normalizer normalizer) {
        this.normalizer = normalizer;
        int nextId = model.vocabSize();
        for (JsonNode node : tokens) {
            if (node.get("content").string().isEmpty()) {
                continue;
            }
            AddedToken token = AddedToken.fromJson(node);
            Integer known = byContent.get(token.content());
            if (known != null && byId.get(known).sameAs(token)) {
                continue;
            }
            int id = known != null ? known : model.tokenId(token.content());
            if (id < 0) {
                id = nextId++;
            }
            if (token.normalized() && normalizer != null) {
                String form = normalizer.normalize(token.content());
                if (!form.equals(token.content())) {
                    decodedText.put(id, form);
                }
            }
            byContent.put(token.content(), id);
            if (token.special()) {
                specialContents.add(token.content());
            }
            byId.put(id, token.withId(id));
        }
        for (AddedToken t : byId.values()) {
            if (specialContents.contains(t.content())) {
                specialIds.add(t.id());
            }
            if (t.normalized()) {
                normalizedForms.add(decodedText.getOrDefault(t.id(), t.content()), t.id());
            } else {
                raw.add(t.content(), t.id());
            }
        }
    }

    /** The id of added token {@code content}, or -1. */
    int tokenId(String content) {
        return byContent.getOrDefault(content, -1);
    }

    /** The text that stands for added token {@code id} when decoding (its normalized form if it has one), or null. */
    String decodedText(int id) {
        AddedToken t = byId.get(id);
        return t == null ? null : decodedText.getOrDefault(id, t.content());
    }

    /** Whether a decoded token string is a special token's text: the library skips by text, not by id. */
    boolean isSpecialText(String text) {
        return specialContents.contains(text);
    }

    Set<Integer> specialIds() {
        return specialIds;
    }

    /** Whether special-token text in the input is matched as the token, or read as ordinary text (the library's {@code encode_special_tokens}). */
    enum SpecialText { MATCH, PLAIN }

    /** Splits {@code text} into added tokens and normalized stretches, as the class comment describes. */
    void extract(String text, SpecialText specialText, PartSink out) {
        split(text, raw, specialText, true, (part, id, atStart) -> {
            if (id >= 0) {
                out.accept(part, id, atStart);
                return;
            }
            String normalized = normalizer == null ? part : normalizer.normalize(part);
            if (normalized.isEmpty()) {
                return;
            }
            split(normalized, normalizedForms, specialText, atStart, out);
        });
    }

    private void split(String s, Trie trie, SpecialText specialText, boolean atStart, PartSink out) {
        if (trie.isEmpty()) {
            if (!s.isEmpty()) {
                out.accept(s, -1, atStart);
            }
            return;
        }
        int startOffset = 0;
        int n = s.length();
        int i = 0;
        while (i < n) {
            long match = trie.longestAt(s, i);
            if (match < 0) {
                i++;
                continue;
            }
            int id = (int) (match >>> 32);
            int start = i, stop = i + (int) match;
            AddedToken token = byId.get(id);
            i = stop;
            if (specialText == SpecialText.PLAIN && specialContents.contains(token.content())) {
                continue;
            }
            if (token.singleWord()) {
                boolean spaceBefore = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean spaceAfter = stop == n || !isWordChar(s.codePointAt(stop));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > 0 && CharSplit.isWhiteSpace(s.codePointBefore(newStart))) {
                    newStart -= Character.charCount(s.codePointBefore(newStart));
                }
                // whitespace an earlier match already took stays with it
                start = Math.max(newStart, startOffset);
            }
            if (token.rstrip()) {
                while (stop < n && CharSplit.isWhiteSpace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
            }
            if (startOffset < start) {
                out.accept(s.substring(startOffset, start), -1, atStart && startOffset == 0);
            }
            out.accept(s.substring(start, stop), id, atStart && start == 0);
            startOffset = stop;
        }
        if (startOffset < n) {
            out.accept(startOffset == 0 ? s : s.substring(startOffset), -1, atStart && startOffset == 0);
        }
    }

    /** Rust regex's Unicode {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, join controls. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }

    /** The added tokens' texts as a character trie, for leftmost-longest matching. */
    private static final class Trie {
        private final Map<Character, Trie> children = new HashMap<>();
        // first characters of the tokens (root only): most positions of a text start no token
        private final java.util.BitSet first = new java.util.BitSet();
        private int tokenId = -1;

        void add(String text, int id) {
            first.set(text.charAt(0));
            Trie node = this;
            for (int i = 0; i < text.length(); i++) {
                node = node.children.computeIfAbsent(text.charAt(i), c -> new Trie());
            }
            node.tokenId = id;
        }

        boolean isEmpty() {
            return children.isEmpty();
        }

        /** The longest token starting at {@code from}, as (id << 32 | length), or -1. */
        long longestAt(String s, int from) {
            if (!first.get(s.charAt(from))) {
                return -1;
            }
            Trie node = this;
            long best = -1;
            for (int i = from; i < s.length(); i++) {
                node = node.children.get(s.charAt(i));
                if (node == null) {
                    break;
                }
                if (node.tokenId >= 0) {
                    best = ((long) node.tokenId << 32) | (i + 1 - from);
                }
            }
            return best;
        }
    }

    /** The added tokens in id order. */
    List<AddedToken> sortedTokens() {
        List<AddedToken> out = new ArrayList<>(byId.values());
        out.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return out;
    }
}
