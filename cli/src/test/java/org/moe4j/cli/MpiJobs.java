package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** moe4j commands run on ranks under the system's mpirun, for the tests of the distributed commands. */
final class MpiJobs {
    /** How long a job may take to end after one of its ranks is killed. */
    static final long END_SECONDS = 60;

    private MpiJobs() {}

    /** mpirun on the PATH, if installed. */
    static Optional<Path> mpirun() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(d, "mpirun");
            if (Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** Skips the calling test when mpirun is missing. */
    static void assumeMpirun() {
        assumeTrue(mpirun().isPresent(), "mpirun is not installed: apt-get install openmpi-bin libopenmpi-dev");
    }

    /**
     * The command running {@code moe4j ARGS} on {@code ranks} ranks of this machine, from this test's class path. The ranks
     * use C1 only and a small heap: they start fast and the tiny runs need no more (without C2 the GEMM takes its 6-row tile).
     */
    static List<String> command(int ranks, List<String> javaOptions, String... args) {
        assumeMpirun();
        List<String> command = new ArrayList<>(List.of(mpirun().get().toString(), "--allow-run-as-root", "--oversubscribe", "-np",
                Integer.toString(ranks), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@code command} with its output (both streams) going to {@code log}. */
    static Process start(List<String> command, Path log) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * Waits up to {@code seconds} for the job to end and returns its output; a job still running then is
     * killed (mpirun and its ranks) and the test fails with the output so far.
     */
    static String awaitExit(Process job, Path log, long seconds) throws IOException, InterruptedException {
        if (!job.waitFor(seconds, TimeUnit.SECONDS)) {
            kill(job);
            fail("mpirun did not finish within " + seconds + " s and was killed; output:\n"
                    + Files.readString(log));
        }
        return Files.readString(log);
    }

    /**
     * Kills rank 1 of the running job and checks that the whole job then ends, non-zero and with mpirun
     * naming the killed rank, within {@link #END_SECONDS} of the kill; a job still running then is
     * killed and the test fails.
     */
    static void killRankOneAndExpectTheEnd(Process job, Path log) throws IOException, InterruptedException {
        ProcessHandle rank1 = job.descendants().filter(p -> rankOf(p) == 1).findFirst()
                .orElseThrow(() -> new AssertionError("no process of rank 1 under mpirun"));
        rank1.destroyForcibly();
        // counted from the kill, not from the job's start: a start slowed by a busy machine must not eat the time the end gets
        if (!job.waitFor(END_SECONDS, TimeUnit.SECONDS)) {
            kill(job);
            fail("the job went on after rank 1 died and was killed; output:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertNotEquals(0, job.exitValue(), output);
        assertTrue(output.contains("exited on signal 9"), output);
    }

    /** Kills mpirun and every rank under it. */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** The MPI rank of a process (OMPI_COMM_WORLD_RANK in its environment, readable as its owner), or -1. */
    static int rankOf(ProcessHandle p) {
        try {
            for (String entry : Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ")).split("\0")) {
                if (entry.startsWith("OMPI_COMM_WORLD_RANK=")) return Integer.parseInt(entry.substring(entry.indexOf('=') + 1));
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
