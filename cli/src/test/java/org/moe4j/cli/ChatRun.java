package org.moe4j.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code moe4j chat} inside the test JVM with {@code stdin} as its input: the exit code, standard
 * output (the answers), standard error (notes and statistics) and picocli's error output.
 */
record ChatRun(int exitCode, String out, String err) {
    static ChatRun of(String stdin, String... args) {
        InputStream in0 = System.in;
        PrintStream out0 = System.out;
        PrintStream err0 = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        // after the swap: picocli's execution strategy takes System.err when the command line is made, and sets it again when run
        var cl = Main.commandLine();
        StringWriter picocliErr = new StringWriter();
        cl.setErr(new PrintWriter(picocliErr));
        try {
            List<String> all = new ArrayList<>(List.of("chat"));
            all.addAll(List.of(args));
            int code = cl.execute(all.toArray(String[]::new));
            return new ChatRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8) + picocliErr);
        } finally {
            System.setIn(in0);
            System.setOut(out0);
            System.setErr(err0);
        }
    }

    /** One answer's statistics line (--verbose). */
    record Stats(int promptTokens, int fromCache, int prefilled, int answerTokens, String finish) {}

    private static final Pattern STATS = Pattern.compile(
            "\\[prompt (\\d+) tokens: (\\d+) from the cache, (\\d+) prefilled in [0-9.]+ s; answer (\\d+) tokens in [0-9.]+ s \\([0-9.]+ tokens/s\\); ([a-z -]+)]");

    /** The statistics lines of standard error, in order. */
    List<Stats> stats() {
        List<Stats> all = new ArrayList<>();
        Matcher m = STATS.matcher(err);
        while (m.find()) {
            all.add(new Stats(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), m.group(5)));
        }
        return all;
    }
}
