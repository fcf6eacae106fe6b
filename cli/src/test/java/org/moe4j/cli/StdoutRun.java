package org.moe4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * One run, inside the test JVM, of a command that prints its results to System.out: the exit
 * code, what went to System.out, and picocli's error output.
 */
record StdoutRun(int exitCode, String out, String err) {
    static StdoutRun of(String... args) {
        var cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = cl.execute(args);
            return new StdoutRun(code, out.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    /** Trains the smallest MoE run the serving and decoding commands can load (one step, context 64) into runDir. */
    static StdoutRun trainTinyRun(String runDir) {
        return of("train", "--steps", "1", "--layers", "1", "--d-model", "16", "--hidden", "16", "--experts", "4",
                "--context", "64", "--out", runDir, "--sample-tokens", "0", "--eval-batches", "1");
    }
}
