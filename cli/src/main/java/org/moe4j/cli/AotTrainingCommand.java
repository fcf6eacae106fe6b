package org.moe4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code moe4j aot-training}: the training run of the JDK's ahead-of-time cache (JEP 483, 514, 515).
 * The launcher runs it once per built jar under {@code -XX:AOTCacheOutput}, so the cache holds the
 * classes this work loads and links and the method profiles it gathers; later runs start with
 * them and the JIT compiles the hot kernels sooner. The work is what users run most: a few
 * training steps of the default model (forward, backward, optimizer, checkpoint, report), a
 * sampled and a greedy {@code generate} of 200 tokens on that run (prefill, decode, context shift)
 * and a short batched {@code bench decode} (the serving engine's step). Hidden from the help: it
 * is the launcher's, not a user's, command; the launcher keeps its output in a log and shows it
 * only when the run fails.
 */
@Command(name = "aot-training", hidden = true,
        description = "The ahead-of-time cache's training run (the launcher runs it after building the jar).")
final class AotTrainingCommand implements Callable<Integer> {

    @Override
    public Integer call() throws IOException {
        Path dir = Files.createTempDirectory("moe4j-aot-training");
        try {
            String run = dir.resolve("run").toString();
            String[][] steps = {
                    {"train", "--steps", "4", "--eval-every", "2", "--eval-batches", "2", "--checkpoint-every", "0",
                            "--sample-tokens", "40", "--out", run},
                    {"generate", run, "Call me Ishmael.", "--max-tokens", "200", "--temperature", "0.8"},
                    {"generate", run, "It was the best of times", "--max-tokens", "200", "--temperature", "0"},
                    {"bench", "decode", run, "--batch-sizes", "1,4", "--rounds", "3", "--steps", "40"},
            };
            for (String[] step : steps) {
                int code = Main.commandLine().execute(step);
                if (code != 0) {
                    System.err.println("aot-training: `moe4j " + String.join(" ", step) + "` exited with " + code);
                    return code;
                }
            }
            return 0;
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
