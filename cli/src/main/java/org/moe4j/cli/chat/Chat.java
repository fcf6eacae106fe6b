package org.moe4j.cli.chat;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.moe4j.engine.DecoderModel;
import org.moe4j.infer.Sampler;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.text.hf.HfTokenizer;

/**
 * An interactive chat with a model: reads messages and commands line by line, answers each message
 * with the whole conversation as the prompt, streaming the answer to a {@link Screen}, and keeps one
 * KV cache across turns ({@link CachedSequence}).
 *
 * <p>Context: before an answer, the oldest exchanges are forgotten until the prompt leaves room for
 * the answer (a quarter of the context, or {@code maxTokens} if smaller), and the person is told; a
 * message that does not fit even alone is refused. An answer that fills the context stops there.
 */
public final class Chat {
    static final String HELP = """
            /help          this list
            /reset         forget the conversation (the system message stays)
            /system TEXT   set the system message; /system alone removes it
            /exit          leave (also /quit, Ctrl-D, or Ctrl-C twice at the prompt)
            Ctrl-C while the model answers stops the answer; a line ending in \\ continues on the next line;
            //TEXT sends /TEXT as a message.""";

    /**
     * @param maxTokens tokens per answer at most, 0 for no limit but the context
     * @param verbose   a line of statistics after each answer (prompt tokens from the cache and prefilled, speed)
     */
    public record Settings(SamplingConfig sampling, int maxTokens, boolean verbose) {
        public Settings {
            if (maxTokens < 0) {
                throw new IllegalArgumentException("--max-tokens is " + maxTokens + ", must be >= 0 (0: no limit but the context)");
            }
        }
    }

    /** Why an answer ended. */
    enum Finish {
        STOP("stop"), MAX_TOKENS("max-tokens"), CONTEXT("context full"), INTERRUPTED("interrupted");

        final String label;

        Finish(String label) {
            this.label = label;
        }
    }

    private final HfTokenizer tok;
    private final Set<Integer> stopIds;
    private final Conversation conversation;
    private final Settings settings;
    private final Screen screen;
    private final CachedSequence cache;
    private final Sampler sampler;
    private final AnswerReader.Format format;
    private final int vocab;
    private CtrlC ctrlC;

    public Chat(DecoderModel model, HfTokenizer tok, Set<Integer> stopIds, int context, Conversation conversation, Settings settings,
            Screen screen) {
        this.tok = tok;
        this.stopIds = Set.copyOf(stopIds);
        this.conversation = conversation;
        this.settings = settings;
        this.screen = screen;
        this.cache = new CachedSequence(model, context);
        this.sampler = new Sampler(settings.sampling());
        this.format = AnswerReader.Format.of(tok);
        // a model's vocabulary may be padded past its tokenizer's (Qwen3: 151,936 rows for 151,669 tokens); those rows name no text
        this.vocab = Math.min(model.config().vocabSize(), tok.vocabSize());
    }

    /**
     * Runs the chat until /exit or the end of the input; returns the exit status (0). Ctrl-C at the
     * prompt twice calls {@code leave}.
     */
    public int run(BufferedReader in, Runnable leave) throws IOException {
        try (CtrlC c = new CtrlC(screen::interruptedAtPrompt, leave)) {
            ctrlC = c;
            while (true) {
                screen.prompt(false);
                String line = readMessage(in);
                ctrlC.typed();
                if (line == null) {
                    screen.endOfInput();
                    return 0;
                }
                if (line.isBlank()) continue;
                if (line.startsWith("/") && !line.startsWith("//")) {
                    if (!command(line.strip())) return 0;
                    continue;
                }
                respond(line.startsWith("//") ? line.substring(1) : line);
            }
        }
    }

    /** A line, with the next ones while a line ends in a backslash; null at the end of the input. */
    private String readMessage(BufferedReader in) throws IOException {
        String line = in.readLine();
        if (line == null) return null;
        StringBuilder text = new StringBuilder();
        while (line != null && line.endsWith("\\")) {
            text.append(line, 0, line.length() - 1).append('\n');
            screen.prompt(true);
            line = in.readLine();
        }
        if (line != null) text.append(line);
        return text.toString();
    }

    /** Runs a command; false to leave. */
    private boolean command(String line) {
        int space = line.indexOf(' ');
        String name = space < 0 ? line : line.substring(0, space);
        String arg = space < 0 ? "" : line.substring(space + 1).strip();
        switch (name) {
            case "/exit", "/quit", "/bye" -> {
                return false;
            }
            case "/help" -> screen.line(HELP);
            case "/reset" -> {
                conversation.reset();
                screen.note("(the conversation is forgotten" + (conversation.system() != null ? "; the system message stays)" : ")"));
            }
            case "/system" -> {
                conversation.system(arg.isEmpty() ? null : arg);
                screen.note(arg.isEmpty() ? "(no system message)" : "(system message set)");
            }
            default -> screen.note("unknown command " + name + "; commands: /help, /reset, /system TEXT, /exit");
        }
        return true;
    }

    /** Answers one message; Ctrl-C from here on stops the answer (before its first token: takes the message back). */
    private void respond(String text) {
        conversation.addUser(text);
        ctrlC.answerBegins();
        Conversation.Prompt prompt;
        Outcome o;
        try {
            try {
                prompt = fit();
            } catch (IllegalArgumentException e) {   // does not fit, the template raised, typed special-token text refused
                conversation.removeUser();
                screen.note("error: " + e.getMessage());
                return;
            }
            o = generate(prompt);
        } finally {
            ctrlC.answerEnds();
        }
        if (o.finish() == Finish.INTERRUPTED && o.tokens() == 0) {
            conversation.removeUser();
        } else {
            conversation.addAnswer(o.message());
        }
        switch (o.finish()) {
            case INTERRUPTED -> screen.note("[stopped]");
            case MAX_TOKENS -> screen.note("[stopped at --max-tokens " + settings.maxTokens() + "]");
            case CONTEXT -> screen.note("[the context of " + cache.capacity() + " tokens is full; the next message forgets the oldest exchanges]");
            case STOP -> { }
        }
        if (settings.verbose()) {
            CachedSequence.Prefill p = o.prefill();
            screen.note(String.format(Locale.ROOT, "[prompt %d tokens: %d from the cache, %d prefilled in %.3f s; answer %d tokens in %.2f s (%.1f tokens/s); %s]",
                    prompt.ids().length, p.reused(), p.prefilled(), p.seconds(), o.tokens(), o.seconds(),
                    o.tokens() / Math.max(1e-9, o.seconds()), o.finish().label));
        }
    }

    /** What one answer was: its message for the conversation, its length, why it ended, its prefill and decode time. */
    private record Outcome(Map<String, Object> message, int tokens, Finish finish, CachedSequence.Prefill prefill, double seconds) {}

    /** Prefills the prompt (reusing the cache) and streams the answer to the screen. */
    private Outcome generate(Conversation.Prompt prompt) {
        AnswerReader reader = format.reader(tok, prompt.generationPrompt(), screen);
        CachedSequence.Prefill prefill = cache.prefill(prompt.ids());
        long t0 = System.nanoTime();
        float[] logits = prefill.logits();
        int tokens = 0;
        Finish finish;
        while (true) {
            if (ctrlC.stopRequested()) {
                finish = Finish.INTERRUPTED;
                break;
            }
            int id = sampler.next(logits, 0, vocab);
            if (stopIds.contains(id)) {
                finish = Finish.STOP;
                break;
            }
            reader.add(id);
            tokens++;
            if (tokens == settings.maxTokens()) {
                finish = Finish.MAX_TOKENS;
                break;
            }
            if (cache.full()) {
                finish = Finish.CONTEXT;
                break;
            }
            logits = cache.append(id);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        reader.finish();
        screen.endAnswer();
        return new Outcome(reader.message(), tokens, finish, prefill, seconds);
    }

    /**
     * The prompt for the waiting message, with the oldest exchanges forgotten until it leaves room for
     * the answer; fails if the message does not fit even alone.
     */
    private Conversation.Prompt fit() {
        int context = cache.capacity();
        int room = Math.max(1, Math.min(settings.maxTokens() > 0 ? settings.maxTokens() : context, context / 4));
        int forgotten = 0;
        Conversation.Prompt prompt = conversation.prompt();
        while (prompt.ids().length + room > context && conversation.dropOldest()) {
            forgotten++;
            prompt = conversation.prompt();
        }
        if (forgotten > 0) {
            screen.note("(the conversation outgrew the context of " + context + " tokens: the oldest " + forgotten
                    + (forgotten == 1 ? " exchange is" : " exchanges are") + " forgotten)");
        }
        if (prompt.ids().length >= context) {
            throw new IllegalArgumentException((conversation.system() != null ? "this message and the system message make" : "this message makes")
                    + " a prompt of " + prompt.ids().length + " tokens, and the context holds " + context
                    + " (--context); the message is not sent");
        }
        return prompt;
    }
}
