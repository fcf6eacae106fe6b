package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.run.Checkpoint;
import org.moe4j.io.Json;

/**
 * Ctrl-C as a user presses it: a child JVM runs {@code moe4j train}, receives a real SIGINT
 * ({@code kill -INT}) once training has started, and must stop after the current step, save its
 * checkpoint atomically, write its report and exit with status 130; {@code train --resume} then
 * continues from the saved step and ends exactly where an uninterrupted run ends.
 */
@Tag("slow")
class InterruptedTrainingTest {
    /**
     * A step of the tiny model takes 0.15 to 1 ms once compiled, so a run takes seconds and the
     * signal, sent after the first step, stops it a few steps in. The resumed run (whose step
     * count comes from run.json) and the uninterrupted run it is compared with train to the end.
     */
    private static final long STEPS = 2000;
    private static final List<String> TINY = List.of("--layers", "1", "--d-model", "16", "--heads", "2", "--kv-heads", "2",
            "--hidden", "8", "--experts", "4", "--context", "16", "--batch-size", "2", "--eval-every", "500",
            "--eval-batches", "1", "--checkpoint-every", "1000000", "--sample-tokens", "0");
    /** Metrics that depend on the clock rather than on the computation. */
    private static final List<String> TIMING = List.of("tokens_per_second", "elapsed_seconds");
    private static final String STOPPING = "moe4j train: stopping after this step and saving a checkpoint...";
    private static final int SIGINT = 2;

    @TempDir
    Path dir;

    @Test
    void sigintStopsSavesAndResumeContinuesExactly() throws Exception {
        assumeTrue(run("kill", "-0", Long.toString(ProcessHandle.current().pid())) == 0, "no POSIX kill command here");
        Path run = dir.resolve("run");
        Path log = dir.resolve("interrupted.log");
        Process p = start(log, train("--steps", Long.toString(STEPS), "--out", run.toString()));
        try {
            awaitOutput(p, log, "train [", 120);
            assumeTrue(catchesSigint(p.pid()), "SIGINT is ignored in this process tree (started in the background?)");
            assertEquals(0, run("kill", "-INT", Long.toString(p.pid())), "kill -INT " + p.pid());
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "no exit 120 s after SIGINT:\n" + read(log));
        } finally {
            stop(p);
        }
        String out = read(log);
        assertEquals(130, p.exitValue(), out);
        assertTrue(out.contains(STOPPING), out);
        Matcher stopped = Pattern.compile("stopped at step (\\d+) of " + STEPS + " in ").matcher(out);
        assertTrue(stopped.find(), out);
        long saved = Long.parseLong(stopped.group(1));
        assertTrue(saved > 0 && saved < STEPS, "stopped at step " + saved + " of " + STEPS + ":\n" + out);
        assertTrue(out.contains("report: "), out);

        assertEquals(List.of(), leftovers(run), "temporary or previous-version files left by an atomic write");
        assertTrue(Files.isRegularFile(run.resolve("report/index.html")), "the report is written before the JVM exits");
        assertEquals(saved, Checkpoint.load(run.resolve("checkpoint")).step());
        List<String> before = metricLines(run);
        assertEquals(steps(1, saved), before.stream().map(InterruptedTrainingTest::step).toList(), "one metrics line per step taken");

        Path resumeLog = dir.resolve("resumed.log");
        Process r = start(resumeLog, List.of("train", "--resume", "--out", run.toString(), "--sample-tokens", "0"));
        try {
            assertTrue(r.waitFor(180, TimeUnit.SECONDS), "resume did not finish in 180 s:\n" + read(resumeLog));
        } finally {
            stop(r);
        }
        String resumed = read(resumeLog);
        assertEquals(0, r.exitValue(), resumed);
        assertTrue(resumed.contains("finished at step " + STEPS + " of " + STEPS), resumed);
        List<String> after = metricLines(run);
        assertEquals(before, after.subList(0, before.size()), "the interrupted run's metrics are kept as they were");
        assertEquals(steps(saved + 1, STEPS), after.subList(before.size(), after.size()).stream().map(InterruptedTrainingTest::step).toList(),
                "the resumed run continues right after the saved step");
        assertEquals(STEPS, Checkpoint.load(run.resolve("checkpoint")).step());
        assertEquals(List.of(), leftovers(run));

        // the same run without the interruption: identical losses at every step and identical final weights
        Path straight = dir.resolve("straight");
        Path straightLog = dir.resolve("straight.log");
        Process s = start(straightLog, train("--steps", Long.toString(STEPS), "--out", straight.toString()));
        try {
            assertTrue(s.waitFor(180, TimeUnit.SECONDS), "the uninterrupted run did not finish in 180 s:\n" + read(straightLog));
        } finally {
            stop(s);
        }
        assertEquals(0, s.exitValue(), read(straightLog));
        assertEquals(withoutTiming(metricLines(straight)), withoutTiming(after));
        for (String file : List.of(Checkpoint.MODEL_FILE, Checkpoint.OPTIMIZER_FILE)) {
            assertEquals(-1, Files.mismatch(straight.resolve("checkpoint").resolve(file), run.resolve("checkpoint").resolve(file)), file);
        }
    }

    private static List<String> train(String... args) {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(List.of(args));
        all.addAll(TINY);
        return all;
    }

    /**
     * Starts {@code moe4j ARGS} in a child JVM as the launcher does, with stdout and stderr into
     * {@code log}. A JVM whose SIGINT is ignored at start (a background job of a non-interactive
     * shell) never installs its Ctrl-C handler, and children inherit that: where the test JVM is
     * such a process, the child gets SIGINT's default back through {@code env --default-signal}.
     */
    private static Process start(Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        if (ignoresSigint("self") && run("env", "--default-signal=INT", "true") == 0) {
            command.addAll(List.of("env", "--default-signal=INT"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Kills {@code p} if it is still running, so that no child outlives the test. */
    private static void stop(Process p) throws InterruptedException {
        if (p.isAlive()) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Waits until {@code log} contains {@code text}; fails if {@code p} exits first or after {@code seconds}. */
    private static void awaitOutput(Process p, Path log, String text, long seconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!read(log).contains(text)) {
            if (!p.isAlive()) {
                fail("exited with " + p.exitValue() + " before printing " + text + ":\n" + read(log));
            }
            if (System.nanoTime() > deadline) {
                fail("no " + text + " within " + seconds + " s:\n" + read(log));
            }
            Thread.sleep(20);
        }
    }

    /** The exit status of a short command, its output discarded. */
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

    /** Whether {@code /proc/PID/status} says SIGINT is ignored; false where there is no /proc. */
    private static boolean ignoresSigint(String pid) throws IOException {
        return signalBit(pid, "SigIgn:") == Boolean.TRUE;
    }

    /** Whether process {@code pid} handles SIGINT (true where /proc cannot tell). */
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

    /**
     * What atomic writes leave behind when cut short: AtomicFiles' temporary files
     * (".NAME.UUID.tmp"), temporary folders (".NAME.tmp-UUID") and set-aside old folders
     * (".NAME.previous") all start with a dot, and nothing else in a run folder does.
     */
    private static List<Path> leftovers(Path run) throws IOException {
        try (Stream<Path> all = Files.walk(run)) {
            return all.filter(f -> f.getFileName().toString().startsWith(".")).toList();
        }
    }

    /** The lines of metrics.jsonl, each checked to be a JSON object with an integer step; the file ends with a newline. */
    private static List<String> metricLines(Path run) throws IOException {
        String text = Files.readString(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
        assertTrue(text.isEmpty() || text.endsWith("\n"), "metrics.jsonl ends with a torn line");
        List<String> lines = text.lines().toList();
        for (String line : lines) {
            assertInstanceOf(Long.class, assertInstanceOf(Map.class, Json.parse(line), line).get("step"), line);
        }
        return lines;
    }

    private static long step(String line) {
        return (Long) ((Map<?, ?>) Json.parse(line)).get("step");
    }

    private static List<Long> steps(long first, long last) {
        List<Long> steps = new ArrayList<>();
        for (long s = first; s <= last; s++) steps.add(s);
        return steps;
    }

    private static List<Map<?, ?>> withoutTiming(List<String> lines) {
        List<Map<?, ?>> records = new ArrayList<>();
        for (String line : lines) {
            Map<?, ?> r = new java.util.LinkedHashMap<>((Map<?, ?>) Json.parse(line));
            TIMING.forEach(r::remove);
            records.add(r);
        }
        return records;
    }
}
