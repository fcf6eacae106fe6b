package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;

/**
 * {@code moe4j chat} driven by scripts on standard input, with a tiny exported run (ChatFixture). Each
 * greedy answer must be what {@code moe4j generate} (a fresh prefill of the whole rendered conversation,
 * another code path) continues the same prompt with, so an answer that came out of a reused or cut-back
 * KV cache is checked against one that did not; the statistics line says how many prompt tokens came from
 * the cache, and those counts are checked against the conversation's own ids.
 */
@Tag("slow")
class ChatCommandTest {
    private static final String FAINT = "\033[2m";
    private static final String NORMAL = "\033[22m";

    @TempDir
    static Path dir;

    private static Path model;
    private static HfTokenizer tok;
    private static final ChatTemplate TEMPLATE = ChatTemplate.of(ChatFixture.TEMPLATE, Map.of());

    @BeforeAll
    static void makeModel() throws Exception {
        model = ChatFixture.model(dir);
        tok = HfTokenizer.load(model);
    }

    /** Messages as role, content pairs: "system", "Be brief.", "user", "hello", ... */
    private static List<Map<String, Object>> messages(String... roleContent) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", roleContent[i]);
            m.put("content", roleContent[i + 1]);
            out.add(m);
        }
        return out;
    }

    private static String prompt(ChatTemplate template, String... roleContent) {
        return template.render(messages(roleContent), null, true, Map.of());
    }

    private static String prompt(String... roleContent) {
        return prompt(TEMPLATE, roleContent);
    }

    private static int tokens(String text) {
        return tok.encode(text).length;
    }

    /** What {@code moe4j generate FOLDER PROMPT --temperature 0} continues the prompt with (raw, whitespace kept). */
    private static String greedy(Path folder, String prompt, int maxTokens) {
        StdoutRun g = StdoutRun.of("generate", folder.toString(), prompt, "--temperature", "0", "--max-tokens", Integer.toString(maxTokens));
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.out().startsWith(prompt) && g.out().endsWith("\n"), g.out());
        return g.out().substring(prompt.length(), g.out().length() - 1);
    }

    @Test
    void greedyAnswersAreTheContinuationsOfTheWholeConversationAndTheCacheHoldsIt() {
        ChatRun r = ChatRun.of("hello\nwhat of the whale\n/exit\n", model.toString(), "--temperature", "0", "--max-tokens", "12", "-v");
        assertEquals(0, r.exitCode(), r.err());
        String p1 = prompt("user", "hello");
        String a1 = greedy(model, p1, 12);
        String p2 = prompt("user", "hello", "assistant", a1, "user", "what of the whale");
        String a2 = greedy(model, p2, 12);
        assertEquals(a1.strip() + "\n" + a2.strip() + "\n", r.out());
        int n1 = tokens(p1);
        int n2 = tokens(p2);
        // an answer cut at --max-tokens leaves its last token out of the cache (it was never run through the model)
        assertEquals(List.of(new ChatRun.Stats(n1, 0, n1, 12, "max-tokens"), new ChatRun.Stats(n2, n1 + 11, n2 - n1 - 11, 12, "max-tokens")),
                r.stats(), r.err());
        assertTrue(r.err().contains("[stopped at --max-tokens 12]"), r.err());
        assertTrue(r.err().contains("warning: the model names no end-of-sequence token"), r.err());
    }

    @Test
    void anAnswerEndsAtTheModelsStopIdWhichIsNotShown() throws Exception {
        String p1 = prompt("user", "hello");
        String a1 = greedy(model, p1, 12);
        int k = 3;
        while (Character.isWhitespace(a1.charAt(k)) || a1.indexOf(a1.charAt(k)) != k) k++;   // a character the answer has first at k
        int stop = tok.tokenId(String.valueOf(a1.charAt(k)));
        Path stopping = ChatFixture.variant(model, dir.resolve("stop"), "generation_config.json", g -> g.put("eos_token_id", (long) stop));

        ChatRun r = ChatRun.of("hello\nwhat of the whale\n", stopping.toString(), "--temperature", "0", "--max-tokens", "40", "-v");
        assertEquals(0, r.exitCode(), r.err());
        String answer1 = a1.substring(0, k);
        String p2 = prompt("user", "hello", "assistant", answer1, "user", "what of the whale");
        String a2 = greedy(stopping, p2, 40);
        assertEquals(answer1.strip() + "\n" + a2.strip() + "\n", r.out());
        List<ChatRun.Stats> stats = r.stats();
        assertEquals(new ChatRun.Stats(tokens(p1), 0, tokens(p1), k, "stop"), stats.get(0));
        assertEquals(tokens(p1) + k, stats.get(1).fromCache(), "after a stop the cache holds the whole answer (the stop id was not run)");
        assertTrue(!r.err().contains("warning: the model names no end-of-sequence token"), r.err());
    }

    @Test
    void systemMessageAndResetKeepWhatTheCacheStillShares() {
        ChatRun r = ChatRun.of("hello\n/system Be brief.\nhello\n/reset\nhello\n/exit\n", model.toString(), "--temperature", "0",
                "--max-tokens", "5", "-v");
        assertEquals(0, r.exitCode(), r.err());
        String p1 = prompt("user", "hello");
        String a1 = greedy(model, p1, 5);
        String p2 = prompt("system", "Be brief.", "user", "hello", "assistant", a1, "user", "hello");
        String a2 = greedy(model, p2, 5);
        String p3 = prompt("system", "Be brief.", "user", "hello");
        String a3 = greedy(model, p3, 5);
        assertEquals(a1.strip() + "\n" + a2.strip() + "\n" + a3.strip() + "\n", r.out());
        List<ChatRun.Stats> stats = r.stats();
        assertEquals(3, stats.size(), r.err());
        assertEquals(1, stats.get(1).fromCache(), "\"[system]\" and \"[user]\" share their first character only");
        assertEquals(new ChatRun.Stats(tokens(p3), tokens(p3) - 1, 1, 5, "max-tokens"), stats.get(2),
                "after /reset the prompt is a prefix of what the cache holds: only its last token runs again");
        assertTrue(r.err().contains("(system message set)\n"), r.err());
        assertTrue(r.err().contains("(the conversation is forgotten; the system message stays)\n"), r.err());
    }

    @Test
    void aConversationThatOutgrowsTheContextForgetsItsOldestExchangesAndSaysSo() {
        String longMessage = "call me ishmael. some years ago, never mind how long precisely";
        ChatRun r = ChatRun.of("hello\nhi\n" + longMessage + "\nhey\n", model.toString(), "--temperature", "0", "--max-tokens", "5",
                "--context", "40", "-v");
        assertEquals(0, r.exitCode(), "the end of the input (Ctrl-D) leaves normally: " + r.err());
        String p1 = prompt("user", "hello");
        String p2 = prompt("user", "hi");
        String p4 = prompt("user", "hey");
        assertEquals(greedy(model, p1, 5).strip() + "\n" + greedy(model, p2, 5).strip() + "\n" + greedy(model, p4, 5).strip() + "\n", r.out());
        String forgot = "(the conversation outgrew the context of 40 tokens: the oldest 1 exchange is forgotten)\n";
        String refused = "error: this message makes a prompt of " + tokens(prompt("user", longMessage))
                + " tokens, and the context holds 40 (--context); the message is not sent\n";
        String err = r.err();
        int first = err.indexOf(forgot);
        int second = err.indexOf(forgot, first + 1);
        assertTrue(first >= 0 && second > first && err.indexOf(refused) > second, err);
        assertEquals(List.of(tokens(p1), tokens(p2), tokens(p4)), r.stats().stream().map(ChatRun.Stats::promptTokens).toList(), err);
    }

    @Test
    void anAnswerThatFillsTheContextStopsThere() {
        ChatRun r = ChatRun.of("hello\n", model.toString(), "--temperature", "0", "--context", "40", "-v");
        assertEquals(0, r.exitCode(), r.err());
        int n = tokens(prompt("user", "hello"));
        assertEquals(List.of(new ChatRun.Stats(n, 0, n, 40 - n + 1, "context full")), r.stats(), r.err());
        assertTrue(r.err().contains("[the context of 40 tokens is full; the next message forgets the oldest exchanges]"), r.err());
    }

    @Test
    void thinkingOpenedByTheTemplateIsFaintTaggedOrHidden() throws Exception {
        String thinkingTemplate = ChatFixture.TEMPLATE.replace("[assistant]\n", "[assistant]\n<think>\n");
        Path thinking = ChatFixture.variant(model, dir.resolve("thinking"), "tokenizer_config.json", c -> c.put("chat_template", thinkingTemplate));
        String p = prompt(ChatTemplate.of(thinkingTemplate, Map.of()), "user", "hello");
        String a = greedy(thinking, p, 8).strip();
        String[] base = {thinking.toString(), "--temperature", "0", "--max-tokens", "8"};
        assertEquals(FAINT + a + NORMAL + "\n", run(base, "--color", "always").out());
        assertEquals("<think>\n" + a + "\n</think>\n\n", run(base, "--color", "never").out());
        assertEquals("\n", run(base, "--color", "never", "--hide-thinking").out());
        assertEquals(FAINT + "thinking..." + NORMAL + "\r\033[2K\n", run(base, "--color", "always", "--hide-thinking").out());
    }

    private static ChatRun run(String[] base, String... more) {
        List<String> args = new ArrayList<>(List.of(base));
        args.addAll(List.of(more));
        ChatRun r = ChatRun.of("hello\n", args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        return r;
    }

    @Test
    void commandsHelpDoubleSlashAndContinuedLines() {
        ChatRun r = ChatRun.of("/help\n/frobnicate\n//hello\none\\\ntwo\n/quit\nnever sent\n", model.toString(), "--temperature", "0",
                "--max-tokens", "3", "-v");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("/help          this list\n"), r.out());
        assertTrue(r.err().contains("unknown command /frobnicate; commands: /help, /reset, /system TEXT, /exit\n"), r.err());
        String p1 = prompt("user", "/hello");
        String p2 = prompt("user", "/hello", "assistant", greedy(model, p1, 3), "user", "one\ntwo");
        assertEquals(List.of(tokens(p1), tokens(p2)), r.stats().stream().map(ChatRun.Stats::promptTokens).toList(), r.err());
    }

    @Test
    void aTemplateThatRaisesShowsItsMessageAndTheChatGoesOn() throws Exception {
        Path template = dir.resolve("no-system.jinja");
        Files.writeString(template, "{%- if messages[0].role == 'system' -%}{{ raise_exception('System role not supported') }}{%- endif -%}"
                + ChatFixture.TEMPLATE, StandardCharsets.UTF_8);
        ChatRun r = ChatRun.of("/system Be brief.\nhello\n/system\nhello\n", model.toString(), "--chat-template", template.toString(),
                "--temperature", "0", "--max-tokens", "3", "-v");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("error: System role not supported\n"), r.err());
        assertEquals(List.of(tokens(prompt("user", "hello"))), r.stats().stream().map(ChatRun.Stats::promptTokens).toList(),
                "the refused message is taken back: the next prompt holds only the second hello");
    }

    @Test
    void badInputIsOneClearLine() throws Exception {
        Path noTemplate = ChatFixture.variant(model, dir.resolve("no-template"), "tokenizer_config.json", c -> c.remove("chat_template"));
        String m = model.toString();
        assertRefused("--color is sometimes, must be auto, always or never", m, "--color", "sometimes");
        assertRefused("--kwargs must be a JSON object, e.g. '{\"enable_thinking\": false}'", m, "--kwargs", "[1]");
        assertRefused("--kwargs: not valid JSON: ", m, "--kwargs", "{");
        assertRefused("--max-tokens is -1, must be >= 0 (0: no limit but the context)", m, "--max-tokens", "-1");
        assertRefused("temperature is -1.0, must be finite and >= 0 (0: greedy)", m, "--temperature", "-1");
        assertRefused("--chat-template " + dir.resolve("none.jinja") + ": no such file", m, "--chat-template", dir.resolve("none.jinja").toString());
        assertRefused("no chat template in " + noTemplate + ": neither chat_template.jinja nor a chat_template field in tokenizer_config.json; "
                + "give one with --chat-template FILE.jinja", noTemplate.toString());
        assertRefused(dir.resolve("run") + " is not a Hugging Face model folder (config.json and weights) or a GGUF file; for a run of moe4j train, export it "
                + "first: moe4j export RUN --out DIR", dir.resolve("run").toString());
    }

    private static void assertRefused(String message, String... args) {
        ChatRun r = ChatRun.of("hello\n", args);
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("moe4j chat: " + message), "[" + r.err() + "] out [" + r.out() + "]");
        assertEquals("", r.out());
    }
}
