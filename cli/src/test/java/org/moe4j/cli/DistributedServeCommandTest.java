package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.server.CompletionServer;
import org.moe4j.server.ServedModel;
import org.moe4j.server.ServerConfig;
import picocli.CommandLine;

/**
 * {@code mpirun -np N moe4j serve RUN --distributed} on this machine, each job under a hard timeout:
 * two ranks answer greedy completions with the text of one process and the job ends when a rank is
 * killed; experts that do not split stop every rank with the reason; outside mpirun the option is
 * refused. The mpirun tests are skipped only when mpirun is not installed (.ci/run installs it).
 */
class DistributedServeCommandTest {
    private static final long TIMEOUT_SECONDS = 90;
    private static final Pattern TEXT = Pattern.compile("\"text\":(\"(?:[^\"\\\\]|\\\\.)*\")");
    private static final List<String> PROMPTS = List.of("the ", "a b", "moe");

    @TempDir
    Path dir;

    /** A tiny trained run with {@code experts} experts (10 steps, one layer). */
    private Path tinyRun(int experts) {
        Path run = dir.resolve("run" + experts);
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("train", "--layers", "1", "--d-model", "16", "--heads", "2", "--kv-heads", "2", "--hidden", "8",
                "--top-k", "2", "--context", "32", "--batch-size", "4", "--eval-every", "5", "--eval-batches", "1",
                "--sample-tokens", "0", "--steps", "10", "--experts", Integer.toString(experts), "--out", run.toString());
        assertEquals(0, code, err.toString());
        return run;
    }

    private static Process mpi(int ranks, Path log, String... args) throws IOException {
        return MpiJobs.start(MpiJobs.command(ranks, List.of(), args), log);
    }

    /** The greedy completion's text (as JSON) of each prompt. */
    private static List<String> complete(HttpClient http, URI base) throws Exception {
        List<String> texts = new ArrayList<>();
        for (String prompt : PROMPTS) {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/completions")).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"" + prompt + "\",\"max_tokens\":16,\"temperature\":0}")).build();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            Matcher m = TEXT.matcher(r.body());
            assertTrue(m.find(), r.body());
            texts.add(m.group(1));
        }
        return texts;
    }

    /**
     * Two ranks serve the greedy completions of one process; then rank 1 is killed (SIGKILL, as a
     * crashed node) and the whole job ends within the timeout with a non-zero exit naming the signal.
     */
    @Test
    @Tag("slow")
    void twoRanksAnswerAsOneProcessAndEndWhenOneDies() throws Exception {
        MpiJobs.assumeMpirun();
        Path run = tinyRun(4);
        HttpClient http = HttpClient.newHttpClient();
        List<String> single;
        try (ServedModel model = ServedModel.load(run);
             CompletionServer server = CompletionServer.start(model, ServerConfig.defaults().withPort(0))) {
            single = complete(http, server.baseUri());
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moe4j-mpi-serve", ".log");
        Process job = mpi(2, log, "serve", run.toString(), "--distributed", "--port", Integer.toString(port));
        try {
            URI base = URI.create("http://127.0.0.1:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            boolean up = false;
            while (!up && job.isAlive() && System.nanoTime() < deadline) {
                try {
                    up = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                } catch (IOException notYet) {
                    Thread.sleep(200);
                }
            }
            assertTrue(up, "the group did not start serving:\n" + Files.readString(log));
            assertEquals(single, complete(http, base), "2 ranks against one process");

            MpiJobs.killRankOneAndExpectTheEnd(job, log);
        } finally {
            if (job.isAlive()) MpiJobs.kill(job);
            Files.deleteIfExists(log);
        }
    }

    /** 4 experts over 3 ranks: every rank stops with the reason and the job exits non-zero. */
    @Test
    @Tag("slow")
    void expertsThatDoNotSplitStopEveryRank() throws Exception {
        MpiJobs.assumeMpirun();
        Path run = tinyRun(4);
        Path log = Files.createTempFile("moe4j-mpi-serve", ".log");
        Process job = mpi(3, log, "serve", run.toString(), "--distributed", "--port", "0");
        try {
            String output = MpiJobs.awaitExit(job, log, TIMEOUT_SECONDS);
            assertNotEquals(0, job.exitValue(), output);
            for (int rank = 0; rank < 3; rank++) {
                assertTrue(output.contains("moe4j serve: rank " + rank + " of 3: stopped, rank 0 of 3 (and 2 more): layer 0 has 4 experts,"
                        + " which do not split evenly over 3 ranks"), output);
            }
        } finally {
            if (job.isAlive()) MpiJobs.kill(job);
            Files.deleteIfExists(log);
        }
    }

    /**
     * A rank that cannot load its share (its copy of the weights is truncated) stops every rank of
     * the group with that rank's reason, in process on two ranks, instead of leaving rank 0 to serve
     * with a peer that never joins.
     */
    @Test
    void aRankThatCannotLoadItsShareStopsEveryRank() throws Exception {
        Path run = tinyRun(4);
        Path broken = dir.resolve("broken");
        try (var files = Files.walk(run)) {
            for (Path f : files.toList()) {
                Path to = broken.resolve(run.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(to);
                else Files.copy(f, to);
            }
        }
        Path weights = broken.resolve("checkpoint").resolve(org.moe4j.run.Checkpoint.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        List<String> messages = org.moe4j.dist.LocalGroup.run(2, Duration.ofSeconds(30), comm -> {
            try {
                DistributedServing.loadShare(comm, comm.rank() == 1 ? broken : run, 0);
                return "loaded";
            } catch (org.moe4j.parallel.Agreement.RankFailedException e) {
                return e.getMessage();
            }
        });
        for (int rank = 0; rank < 2; rank++) {
            String m = messages.get(rank);
            assertTrue(m.startsWith("rank 1 of 2: ") && m.contains(weights.toString()), "rank " + rank + ": " + m);
        }
    }

    /**
     * No libmpi where one is named: every rank says so before opening the model, and the job exits non-zero. Two jobs:
     * by default mpirun aborts the other ranks once one exits non-zero, so a rank whose JVM starts later than the first
     * one fails may be killed before it prints (this raced under load); the first job lets every rank run to its own
     * end (Open MPI 4's {@code orte_abort_on_non_zero_status 0}, under which mpirun itself exits 0) and counts the
     * ranks' messages, the second runs as a user would and checks the exit status.
     */
    @Test
    void aMissingMpiLibraryIsNamedOnEveryRank() throws Exception {
        MpiJobs.assumeMpirun();
        List<String> job = MpiJobs.command(2, List.of("-Dmoe4j.mpi.library=/nonexistent/libmpi.so"),
                "serve", dir.resolve("no-model").toString(), "--distributed", "--port", "0");
        List<String> everyRankToItsEnd = new ArrayList<>(job);
        everyRankToItsEnd.addAll(1, List.of("--mca", "orte_abort_on_non_zero_status", "0"));
        String named = "moe4j serve: cannot open /nonexistent/libmpi.so";

        String output = runToEnd(everyRankToItsEnd, null);
        assertEquals(2, output.lines().filter(l -> l.startsWith(named)).count(), output);

        int[] exit = new int[1];
        output = runToEnd(job, exit);
        assertNotEquals(0, exit[0], output);
        assertTrue(output.lines().anyMatch(l -> l.startsWith(named)), output);
    }

    /** Runs an mpirun command to its end and returns its output; its exit status goes to {@code exit[0]} when given. */
    private static String runToEnd(List<String> command, int[] exit) throws Exception {
        Path log = Files.createTempFile("moe4j-mpi-serve", ".log");
        Process job = MpiJobs.start(command, log);
        try {
            String output = MpiJobs.awaitExit(job, log, TIMEOUT_SECONDS);
            if (exit != null) exit[0] = job.exitValue();
            return output;
        } finally {
            if (job.isAlive()) MpiJobs.kill(job);
            Files.deleteIfExists(log);
        }
    }

    @Test
    void distributedServingNeedsMpirun() {
        assumeTrue(!DistributedServing.underMpirun(), "this test JVM runs under mpirun");
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        // the check comes before the model is opened: the folder need not exist
        assertEquals(2, cl.execute("serve", dir.resolve("run").toString(), "--distributed"), err.toString());
        assertTrue(err.toString().contains("moe4j serve: --distributed runs under mpirun (mpirun -np N moe4j serve MODEL --distributed);"
                + " neither OMPI_COMM_WORLD_SIZE nor PMIX_RANK is set"), err.toString());
    }
}
