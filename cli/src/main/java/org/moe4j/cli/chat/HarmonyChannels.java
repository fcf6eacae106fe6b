package org.moe4j.cli.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.text.hf.HfTokenizer;
import org.moe4j.text.hf.StreamingDecoder;

/**
 * An answer in gpt-oss's harmony format. The generation prompt ends with {@code <|start|>assistant},
 * and the model writes one or more messages, each a header then a body:
 * {@code <|channel|>analysis<|message|>...<|end|><|start|>assistant<|channel|>final<|message|>...},
 * ending with {@code <|return|>} (a stop id). The {@code analysis} channel is the thinking; every other
 * channel ({@code final}, {@code commentary}) is shown as the answer. The header's markers are special
 * tokens, so the reader works on ids: it learns the channel from the header's text after
 * {@code <|channel|>} and decodes each body on its own.
 *
 * <p>The conversation keeps {"content": the final text, "thinking": the analysis text}, the fields
 * gpt-oss's template reads (it drops the thinking of earlier turns itself).
 */
final class HarmonyChannels implements AnswerReader {
    private final HfTokenizer tok;
    private final AnswerSink sink;
    private final int start;
    private final int message;
    private final int end;
    private final StringBuilder header = new StringBuilder();
    private final StringBuilder finalText = new StringBuilder();
    private final StringBuilder analysisText = new StringBuilder();
    private StreamingDecoder body;   // null while reading a header
    private boolean analysis;

    HarmonyChannels(HfTokenizer tok, AnswerSink sink) {
        this.tok = tok;
        this.sink = sink;
        this.start = tok.tokenId("<|start|>");
        this.message = tok.tokenId("<|message|>");
        this.end = tok.tokenId("<|end|>");
    }

    /** Whether a tokenizer has the harmony markers as tokens of their own. */
    static boolean fits(HfTokenizer tok) {
        for (String marker : new String[] {"<|start|>", "<|channel|>", "<|message|>", "<|end|>"}) {
            int id = tok.tokenId(marker);
            if (id < 0 || !tok.specialTokenIds().contains(id)) return false;
        }
        return true;
    }

    @Override
    public void add(int id) {
        if (body == null) {
            if (id == message) {
                analysis = channelOf(header.toString()).equals("analysis");
                header.setLength(0);
                body = tok.streamingDecoder(true);
            } else if (id == start) {
                header.setLength(0);
            } else {
                header.append(tok.decode(new int[] {id}, false));
            }
            return;
        }
        if (id == end || id == start) {
            emit(body.flush());
            body = null;
            return;
        }
        emit(body.add(id));
    }

    @Override
    public void finish() {
        if (body != null) emit(body.flush());
    }

    @Override
    public Map<String, Object> message() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "assistant");
        m.put("content", finalText.toString());
        if (!analysisText.isEmpty()) m.put("thinking", analysisText.toString());
        return m;
    }

    /** The channel a header names: the word after {@code <|channel|>} ("final" if the header names none). */
    static String channelOf(String header) {
        int at = header.lastIndexOf("<|channel|>");
        if (at < 0) return "final";
        String rest = header.substring(at + "<|channel|>".length()).strip();
        int stop = 0;
        while (stop < rest.length() && !Character.isWhitespace(rest.charAt(stop)) && rest.charAt(stop) != '<') stop++;
        return rest.substring(0, stop);
    }

    private void emit(String text) {
        if (text.isEmpty()) return;
        if (analysis) {
            analysisText.append(text);
            sink.thinking(text);
        } else {
            finalText.append(text);
            sink.answer(text);
        }
    }
}
