package org.moe4j.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The outside programs the end-to-end tests drive, as installed by src/test/clients/setup.sh:
 * node with the npm packages of package-lock.json, the Python venv with the openai package, and
 * Debian's chromium. What is missing is installed where that is quick (npm ci) or the test is
 * skipped with a message naming the setup script.
 */
final class ClientTools {
    static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
    static final Path VENV_PYTHON = Path.of("target/openai-venv/bin/python").toAbsolutePath();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private ClientTools() {}

    /** What a program printed and how it ended. */
    record Run(int exit, String out, String err) {}

    /** Skips the test unless node runs; installs the npm packages if they are not there yet. */
    static synchronized void requireNodePackages() throws Exception {
        assumeTrue(works("node", "--version"), "node is not installed: the npm client tests are skipped (install nodejs, then run "
                + "server/src/test/clients/setup.sh)");
        if (!Files.isRegularFile(CLIENTS.resolve("node_modules/openai/package.json"))
                || !Files.isRegularFile(CLIENTS.resolve("node_modules/playwright-core/package.json"))) {
            Run npm = run(CLIENTS, 300, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), Map.of());
            if (npm.exit() != 0) throw new IllegalStateException("npm ci failed in " + CLIENTS + ":\n" + npm.err());
        }
    }

    static void requirePythonClient() throws Exception {
        assumeTrue(Files.isExecutable(VENV_PYTHON) && works(VENV_PYTHON.toString(), "-c", "import openai"),
                "no Python venv with the openai package at " + VENV_PYTHON + ": the Python client test is skipped (CI makes it with "
                        + "server/src/test/clients/setup.sh, from the machine's local package index)");
    }

    static void requireChromium() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "no " + CHROMIUM + ": the browser test is skipped (apt-get install chromium, as .ci/run does)");
    }

    /** Runs a program in {@code dir}, failing the test if it has not ended within {@code seconds}. */
    static Run run(Path dir, int seconds, List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        Path out = Files.createTempFile("moe4j-client", ".out");
        Path err = Files.createTempFile("moe4j-client", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + seconds + " s; stderr:\n"
                        + Files.readString(err));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static boolean works(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
