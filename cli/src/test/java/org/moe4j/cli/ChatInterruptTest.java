package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.templates.ChatTemplate;
import org.moe4j.text.hf.HfTokenizer;

/**
 * Ctrl-C as a person presses it in {@code moe4j chat}: a child JVM chats over a pipe and receives real
 * SIGINTs ({@code kill -INT}). The model (ChatFixture) has no end-of-sequence id and 16,384 positions,
 * so an answer runs for seconds unless stopped. A SIGINT while it answers stops the answer and the chat
 * goes on: the next message is answered, with the stopped answer in the conversation and in the cache.
 * At the prompt the first SIGINT says how to leave and the second leaves, with status 130.
 */
@Tag("slow")
class ChatInterruptTest {
    private static final int SIGINT = 2;

    @TempDir
    Path dir;

    @Test
    void ctrlCStopsTheAnswerAndTheChatGoesOnThenTwiceAtThePromptLeaves() throws Exception {
        assumeTrue(run("kill", "-0", Long.toString(ProcessHandle.current().pid())) == 0, "no POSIX kill command here");
        Path model = ChatFixture.model(dir);
        Path log = dir.resolve("chat.log");
        Process p = start(log, List.of("chat", model.toString(), "--temperature", "0", "-v"));
        try (OutputStream in = p.getOutputStream()) {
            send(in, "hello\n");
            String warned = "answers end only at --max-tokens or the full context\n";
            await(p, log, s -> s.length() > s.indexOf(warned) + warned.length() + 20 && s.contains(warned), "the answer streaming");
            assumeTrue(catchesSigint(p.pid()), "SIGINT is ignored in this process tree (started in the background?)");
            interrupt(p);
            await(p, log, s -> count(s, "; interrupted]") == 1, "the first answer stopped");

            send(in, "again\n");
            await(p, log, s -> s.length() > s.lastIndexOf("; interrupted]") + 40, "the second answer streaming");
            interrupt(p);
            await(p, log, s -> count(s, "; interrupted]") == 2, "the second answer stopped");

            interrupt(p);
            await(p, log, s -> s.contains("(Ctrl-C again or Ctrl-D to leave)"), "the hint at the prompt");
            assertTrue(p.isAlive(), "one Ctrl-C at the prompt does not leave");
            interrupt(p);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no exit 60 s after the second Ctrl-C at the prompt:\n" + read(log));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        String out = read(log);
        assertEquals(130, p.exitValue(), out);
        assertEquals(2, count(out, "[stopped]\n"), out);
        List<ChatRun.Stats> stats = new ChatRun(0, "", out).stats();
        assertEquals(2, stats.size(), out);
        HfTokenizer tok = HfTokenizer.load(model);
        String p1 = ChatTemplate.of(ChatFixture.TEMPLATE, java.util.Map.of()).render(
                List.of(java.util.Map.of("role", "user", "content", "hello")), null, true, java.util.Map.of());
        int n1 = tok.encode(p1).length;
        ChatRun.Stats first = stats.get(0);
        assertTrue(first.answerTokens() > 0 && n1 + first.answerTokens() < 16384, "stopped well before the context: " + first);
        assertEquals(n1 + first.answerTokens(), stats.get(1).fromCache(),
                "the stopped answer stays in the conversation and in the cache (every token of it was run)");
    }

    private static void send(OutputStream in, String text) throws IOException {
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private static void interrupt(Process p) {
        assertEquals(0, run("kill", "-INT", Long.toString(p.pid())), "kill -INT " + p.pid());
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) n++;
        return n;
    }

    /**
     * Starts {@code moe4j ARGS} in a child JVM with standard output and error into {@code log}. A JVM
     * whose SIGINT is ignored at start (a background job of a non-interactive shell) never installs a
     * handler for it, and children inherit that: the child then gets SIGINT's default back through
     * {@code env --default-signal} (as InterruptedTrainingTest does).
     */
    private static Process start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        if (ignoresSigint() && run("env", "--default-signal=INT", "true") == 0) {
            command.addAll(List.of("env", "--default-signal=INT"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void await(Process p, Path log, Predicate<String> done, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.test(read(log))) {
            if (!p.isAlive()) fail("exited with " + p.exitValue() + " before " + what + ":\n" + read(log));
            if (System.nanoTime() > deadline) fail("no " + what + " within 120 s:\n" + read(log));
            Thread.sleep(20);
        }
    }

    private static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean ignoresSigint() throws IOException {
        return signalBit("self", "SigIgn:") == Boolean.TRUE;
    }

    private static boolean catchesSigint(long pid) throws IOException {
        return signalBit(Long.toString(pid), "SigCgt:") != Boolean.FALSE;
    }

    private static Boolean signalBit(String pid, String field) throws IOException {
        Path status = Path.of("/proc", pid, "status");
        if (!Files.isReadable(status)) return null;
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return (Long.parseUnsignedLong(line.substring(field.length()).trim(), 16) & (1L << (SIGINT - 1))) != 0;
            }
        }
        return null;
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
