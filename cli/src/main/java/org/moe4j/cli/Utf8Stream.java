package org.moe4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.moe4j.text.Tokenizer;

/**
 * Prints tokens as they arrive, holding back the bytes of a character that is not complete yet
 * (a byte-level token may end in the middle of a UTF-8 sequence).
 */
final class Utf8Stream {
    private final Tokenizer tok;
    private final PrintStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    Utf8Stream(Tokenizer tok, PrintStream out) {
        this.tok = tok;
        this.out = out;
    }

    void add(int id) {
        pending.writeBytes(tok.decodeBytes(new int[] {id}));
        byte[] b = pending.toByteArray();
        int complete = completePrefix(b);
        if (complete > 0) {
            out.print(new String(b, 0, complete, StandardCharsets.UTF_8));
            out.flush();
            pending.reset();
            pending.write(b, complete, b.length - complete);
        }
    }

    void finish() {
        if (pending.size() > 0) out.print(new String(pending.toByteArray(), StandardCharsets.UTF_8));
        pending.reset();
    }

    /** Length of the longest prefix that does not end inside a UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xFF;
            if ((c & 0xC0) == 0x80) continue;
            int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return len > back ? n - back : n;
        }
        return n;
    }
}
