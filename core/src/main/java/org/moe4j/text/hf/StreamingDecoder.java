package org.moe4j.text.hf;

/**
 * Decodes ids one at a time, as a model generates them, and hands back only text that is complete:
 * never a broken UTF-8 character (a byte-level or byte-fallback token may end inside one) and
 * never text the following ids could still change (Metaspace drops the space before the first
 * word only). The rule is the library's {@code DecodeStream}: keep a short window of recent ids
 * and the text they decoded to (the prefix); after each new id decode the window again, and if
 * the result is longer than the prefix and does not end in U+FFFD, the part after the prefix is
 * new text, and the window restarts at the ids that produced it. {@link #flush} returns what is
 * still held back at the end of a generation (an unfinished character decodes as U+FFFD).
 *
 * <p>Not thread-safe: one per generated sequence.
 */
public final class StreamingDecoder {
    private final HfTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[16];
    private int size;
    private String prefix = "";
    private int prefixIndex;

    StreamingDecoder(HfTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id; returns the text it completes (often empty while a character is unfinished). */
    public String add(int id) {
        tokenizer.checkId(id);
        if (prefix.isEmpty() && size > 0) {
            String text = decodeWindow();
            if (!text.endsWith("\uFFFD")) {
                prefix = text;
                prefixIndex = size;
            }
        }
        if (size == ids.length) {
            ids = java.util.Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String text = decodeWindow();
        if (text.length() <= prefix.length() || text.endsWith("\uFFFD")) {
            return "";
        }
        if (!text.startsWith(prefix)) {
            throw new IllegalStateException("streaming decode: the text of the recent ids " + org.moe4j.io.Json.quoteForMessage(text)
                    + " no longer starts with the text already returned " + org.moe4j.io.Json.quoteForMessage(prefix)
                    + " (token id " + id + ")");
        }
        String fresh = text.substring(prefix.length());
        int newPrefixIndex = size - prefixIndex;
        System.arraycopy(ids, prefixIndex, ids, 0, newPrefixIndex);
        size = newPrefixIndex;
        prefix = decodeWindow();
        prefixIndex = newPrefixIndex;
        return fresh;
    }

    /** The text still held back (an unfinished character as U+FFFD), and a fresh start for the next sequence. */
    public String flush() {
        String text = size == 0 ? "" : decodeWindow();
        String rest = text.startsWith(prefix) ? text.substring(prefix.length()) : "";
        size = 0;
        prefix = "";
        prefixIndex = 0;
        return rest;
    }

    private String decodeWindow() {
        return tokenizer.decode(java.util.Arrays.copyOf(ids, size), skipSpecialTokens);
    }
}
