package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.run.Checkpoint;

/**
 * {@code mpirun -np N moe4j train --distributed} on this machine, each job under a hard timeout
 * after which its process tree is destroyed: the training equals one process's, and bad input
 * (experts that do not split, a missing libmpi) gives its message on every rank and a non-zero
 * exit. Skipped only when mpirun is not installed (.ci/run installs it).
 */
class DistributedTrainCommandTest {
    private static final long TIMEOUT_SECONDS = 90;
    private static final Pattern FINISHED = Pattern.compile("finished at step (\\d+) of \\d+ in \\d+ s: loss ([0-9.]+)");

    @TempDir
    Path dir;

    private static final String[] TINY = {"--layers", "1", "--d-model", "16", "--heads", "2", "--kv-heads", "2", "--hidden", "8",
            "--top-k", "2", "--context", "16", "--batch-size", "4", "--eval-every", "5", "--eval-batches", "1",
            "--sample-tokens", "0"};

    private record Job(int exitCode, String output) {}

    private static Job mpi(int ranks, List<String> javaOptions, String... args) throws IOException, InterruptedException {
        return run(MpiJobs.command(ranks, javaOptions, args));
    }

    /** One moe4j process, no MPI. */
    private static Job java(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static Job run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("moe4j-mpi-train", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            String output = MpiJobs.awaitExit(process, log, TIMEOUT_SECONDS);
            return new Job(process.exitValue(), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String[] with(String[] base, String... extra) {
        String[] all = new String[extra.length + base.length];
        System.arraycopy(extra, 0, all, 0, extra.length);
        System.arraycopy(base, 0, all, extra.length, base.length);
        return all;
    }

    private static double finalLoss(String output) {
        Matcher m = FINISHED.matcher(output);
        assertTrue(m.find(), output);
        return Double.parseDouble(m.group(2));
    }

    /** Two expert-parallel ranks train the tiny MoE as one process does (the final loss to 1e-3 relative, printed to 4 decimals). */
    @Test
    @Tag("slow")
    void twoExpertParallelRanksTrainAsOneProcess() throws Exception {
        assertTrainsAsOneProcess(2, 2);
    }

    /** Four ranks as 2 data groups of 2 expert ranks: both kinds of sub-communicator hold more than one rank. */
    @Test
    @Tag("slow")
    void twoDataGroupsOfTwoExpertRanksTrainAsOneProcess() throws Exception {
        assertTrainsAsOneProcess(4, 2);
    }

    private void assertTrainsAsOneProcess(int ranks, int expertParallel) throws Exception {
        Path single = dir.resolve("single");
        Job one = java(with(TINY, "train", "--steps", "10", "--experts", "4", "--out", single.toString()));
        assertEquals(0, one.exitCode(), one.output());
        double want = finalLoss(one.output());

        Path run = dir.resolve("distributed");
        Job job = mpi(ranks, List.of(), with(TINY, "train", "--steps", "10", "--distributed", "--expert-parallel",
                Integer.toString(expertParallel), "--experts", "4", "--out", run.toString()));
        assertEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().contains(ranks + " ranks, " + ranks / expertParallel + " data group(s) of " + expertParallel
                + " expert rank(s)"), job.output());
        assertEquals(1, FINISHED.matcher(job.output()).results().count(), "rank 0 alone reports:\n" + job.output());
        assertEquals(want, finalLoss(job.output()), 1e-3 * want, job.output());
        // written once, by rank 0, with every expert
        assertEquals(10, Checkpoint.load(run.resolve("checkpoint")).step());
        ParallelCheckpoints.assertClose(single.resolve("checkpoint"), run.resolve("checkpoint"));
    }

    @Test
    void expertsThatDoNotSplitStopEveryRank() throws Exception {
        Job job = mpi(2, List.of(), with(TINY, "train", "--steps", "10", "--distributed", "--expert-parallel", "2", "--experts", "3",
                "--out", dir.resolve("bad").toString()));
        assertNotEquals(0, job.exitCode(), job.output());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(job.output().contains("moe4j train: rank " + rank + " of 2: stopped, rank 0 of 2 (and 1 more): layer 0: 3 experts do"
                    + " not split over an expert group of 2 ranks"), job.output());
        }
    }

    @Test
    void aDistributedRunNeedsItsFolderOnEveryRank() throws Exception {
        Job job = mpi(2, List.of(), with(TINY, "train", "--steps", "10", "--distributed", "--experts", "4"));
        assertNotEquals(0, job.exitCode(), job.output());
        for (int rank = 0; rank < 2; rank++) {
            assertTrue(job.output().contains("moe4j train: rank " + rank + " of 2: stopped, rank 0 of 2 (and 1 more): --distributed needs"
                    + " --out DIR, the run folder every rank shares"), job.output());
        }
    }

    @Test
    void expertParallelNeedsDistributed() {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(2, cl.execute(with(TINY, "train", "--steps", "10", "--expert-parallel", "2", "--out", dir.resolve("x").toString())));
        assertTrue(err.toString().contains("moe4j train: --expert-parallel 2 needs --distributed (under mpirun)"), err.toString());
    }

    /**
     * A run (checkpoint and run.json: global batch 4) resumed on a rank count it does not fit: every
     * rank names the mismatch and the job exits non-zero, before any rank reads the checkpoint.
     * Tagged slow: three JVMs under mpirun, about 12 s on this shared machine.
     */
    @Test
    @Tag("slow")
    void aCheckpointResumedOnRanksItDoesNotFitStopsEveryRank() throws Exception {
        Path run = dir.resolve("resume-on-3");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cl = Main.commandLine();
        cl.setErr(new java.io.PrintWriter(err));
        assertEquals(0, cl.execute(with(TINY, "train", "--steps", "4", "--experts", "4", "--out", run.toString())), err.toString());
        Job job = mpi(3, List.of(), "train", "--distributed", "--resume", "--out", run.toString());
        assertNotEquals(0, job.exitCode(), job.output());
        for (int rank = 0; rank < 3; rank++) {
            assertTrue(job.output().contains("moe4j train: rank " + rank + " of 3: stopped, rank 0 of 3 (and 2 more): --batch-size is 4,"
                    + " the global batch; it must be a multiple of the 3 ranks"), job.output());
        }
        assertEquals(4, Checkpoint.load(run.resolve("checkpoint")).step(), "the checkpoint is left as it was");
    }

    @Test
    void aMissingMpiLibraryIsNamedOnEveryRank() throws Exception {
        // two jobs, as in DistributedServeCommandTest: by default mpirun kills the other rank once one exits non-zero,
        // and under load a rank whose JVM started later was killed before it printed; the first job lets every rank
        // run to its own end (orte_abort_on_non_zero_status 0, under which mpirun exits 0) and counts the messages,
        // the second runs as a user would and checks the exit status
        List<String> command = MpiJobs.command(2, List.of("-Dmoe4j.mpi.library=/nonexistent/libmpi.so"),
                with(TINY, "train", "--steps", "10", "--distributed", "--experts", "4", "--out", dir.resolve("nompi").toString()));
        List<String> everyRankToItsEnd = new ArrayList<>(command);
        everyRankToItsEnd.addAll(1, List.of("--mca", "orte_abort_on_non_zero_status", "0"));
        String message = "moe4j train: cannot open /nonexistent/libmpi.so";
        Job toTheEnd = run(everyRankToItsEnd);
        assertEquals(2, toTheEnd.output().lines().filter(l -> l.startsWith(message)).count(), toTheEnd.output());
        Job job = run(command);
        assertNotEquals(0, job.exitCode(), job.output());
        assertTrue(job.output().lines().anyMatch(l -> l.startsWith(message)), job.output());
    }

    /**
     * A rank killed mid-training (SIGKILL, as a crashed node) ends the whole job within the
     * timeout with a non-zero exit, and mpirun names the rank: the survivors do not wait forever
     * in their next collective.
     */
    @Test
    @Tag("slow")
    void aRankThatDiesEndsTheJob() throws Exception {
        MpiJobs.assumeMpirun();
        Path run = dir.resolve("dies");
        List<String> command = MpiJobs.command(2, List.of(), with(TINY, "train", "--distributed", "--expert-parallel", "2",
                "--experts", "4", "--out", run.toString(), "--steps", "100000"));
        Path log = Files.createTempFile("moe4j-mpi-dies", ".log");
        try {
            Process mpirun = MpiJobs.start(command, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            Path metrics = run.resolve("metrics.jsonl");
            while ((!Files.exists(metrics) || Files.size(metrics) == 0) && System.nanoTime() < deadline && mpirun.isAlive()) {
                Thread.sleep(100);
            }
            assertTrue(mpirun.isAlive() && Files.size(metrics) > 0, "training did not start:\n" + Files.readString(log));
            MpiJobs.killRankOneAndExpectTheEnd(mpirun, log);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
