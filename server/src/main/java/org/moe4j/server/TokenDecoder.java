package org.moe4j.server;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.moe4j.text.Tokenizer;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.text.hf.StreamingDecoder;

/**
 * Turns generated ids into text one id at a time, at a cost that depends on the id alone (never on
 * the completion so far): a completion of n tokens costs O(n), not O(n^2) as decoding the whole
 * completion again for every token would. Text is handed out only once it is final: never half a
 * UTF-8 character. One per completion, used by the scheduler thread only.
 */
interface TokenDecoder {
    /** Adds one id; returns the text it completes (empty while a character is unfinished). */
    String add(int id);

    /** The text still held back at the end (an unfinished character as U+FFFD). */
    String flush();

    /**
     * The decoder for a tokenizer: a Hugging Face tokenizer's own streaming decoder (its decoders,
     * such as Metaspace or byte fallback, see a short window of recent ids), else incremental UTF-8
     * over the bytes of each id. Special tokens are kept: the chat endpoint reads {@code <think>}.
     */
    static TokenDecoder of(Tokenizer tokenizer) {
        if (tokenizer instanceof HfTokenizer hf) {
            StreamingDecoder d = hf.streamingDecoder(false);
            return new TokenDecoder() {
                @Override
                public String add(int id) {
                    return d.add(id);
                }

                @Override
                public String flush() {
                    return d.flush();
                }
            };
        }
        return new Utf8Pieces(tokenizer);
    }

    /**
     * Incremental UTF-8: the bytes of an unfinished character (at most 3) wait in a carry for the
     * next id's bytes; everything before them is decoded once, by itself.
     */
    final class Utf8Pieces implements TokenDecoder {
        private final Tokenizer tokenizer;
        private byte[] carry = new byte[0];

        Utf8Pieces(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public String add(int id) {
            byte[] fresh = tokenizer.decodeBytes(new int[] {id});
            byte[] b = carry.length == 0 ? fresh : concat(carry, fresh);
            int complete = completeUtf8Prefix(b);
            carry = Arrays.copyOfRange(b, complete, b.length);
            return new String(b, 0, complete, StandardCharsets.UTF_8);
        }

        @Override
        public String flush() {
            String rest = new String(carry, StandardCharsets.UTF_8);
            carry = new byte[0];
            return rest;
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        /**
         * Length of the longest prefix of {@code b} that does not end inside a UTF-8 sequence: the
         * last lead byte within 4 of the end starts a sequence of 2, 3 or 4 bytes by its high bits
         * (110x, 1110, 11110); a stray continuation byte is not waited for.
         */
        static int completeUtf8Prefix(byte[] b) {
            int n = b.length;
            for (int back = 1; back <= Math.min(4, n); back++) {
                int c = b[n - back] & 0xFF;
                if ((c & 0xC0) == 0x80) continue;
                int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
                return len > back ? n - back : n;
            }
            return n;
        }
    }
}
