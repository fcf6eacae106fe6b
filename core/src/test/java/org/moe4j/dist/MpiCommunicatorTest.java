package org.moe4j.dist;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Open MPI communicator under {@code mpirun -np 2} and {@code -np 4} on this machine: each
 * rank runs {@link MpiCheckMain}, which checks every collective against plain loops and aborts
 * the job on a mismatch. Each job has a hard timeout, after which its whole process tree is
 * destroyed. Skipped only when mpirun is not installed (.ci/run installs it).
 */
@Tag("slow")
class MpiCommunicatorTest {
    private static final long TIMEOUT_SECONDS = 60;

    private record Job(int exitCode, String output) {}

    static Optional<Path> mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mpirun");
            if (Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }

    /** mpirun -np ranks java ... main: as root Open MPI needs --allow-run-as-root, and a 2-core machine --oversubscribe. */
    static List<String> command(int ranks, String mainClass, String... javaOptions) throws URISyntaxException {
        Path mpirun = mpirun().orElseThrow();
        String classPath = Path.of(MpiCheckMain.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + File.pathSeparator + Path.of(Communicator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> command = new ArrayList<>(List.of(mpirun.toString(), "--allow-run-as-root", "--oversubscribe", "-np", Integer.toString(ranks),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(List.of(javaOptions));
        command.addAll(List.of("-cp", classPath, mainClass));
        return command;
    }

    static Job run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("moe4j-mpi", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("mpirun did not finish within " + TIMEOUT_SECONDS + " s and was killed; output:\n" + Files.readString(log));
            }
            return new Job(process.exitValue(), Files.readString(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void assumeMpirun() {
        assumeTrue(mpirun().isPresent(), "mpirun is not installed (Debian: apt-get install openmpi-bin libopenmpi-dev; .ci/run installs it)");
    }

    private static void checkRanks(int ranks) throws Exception {
        assumeMpirun();
        Job job = run(command(ranks, MpiCheckMain.class.getName()));
        assertEquals(0, job.exitCode(), job.output());
        for (int r = 0; r < ranks; r++) {
            assertTrue(job.output().contains("rank " + r + " of " + ranks + ": ok (Open MPI v"), "rank " + r + " reported ok:\n" + job.output());
        }
    }

    @Test
    void collectivesAgreeWithPlainLoopsOnTwoRanks() throws Exception {
        checkRanks(2);
    }

    @Test
    void collectivesAgreeWithPlainLoopsOnFourRanks() throws Exception {
        checkRanks(4);
    }

    @Test
    void aMissingLibraryEndsEveryRankWithAClearMessage() throws Exception {
        assumeMpirun();
        String message = "moe4j: cannot open /nonexistent/libmpi.so: /nonexistent/libmpi.so: cannot open shared object file: No such file or directory";
        everyRankSaysAndTheJobFails(message, "-Dmoe4j.mpi.library=/nonexistent/libmpi.so");
    }

    /** A library that opens but is not an MPI: each rank says so and the job exits non-zero. */
    @Test
    void aLibraryThatIsNotMpiEndsEveryRankWithAClearMessage() throws Exception {
        assumeMpirun();
        String message = "moe4j: libc.so.6 opened but has no MPI_Get_library_version: it is not an MPI 3 library; " + OpenMpi.INSTALL_HINT;
        everyRankSaysAndTheJobFails(message, "-Dmoe4j.mpi.library=libc.so.6");
    }

    /**
     * A failure before MPI_Init: the job exits non-zero with the message, and every rank prints it. The
     * two are separate runs because mpirun ends the other ranks as soon as one exits non-zero, so on
     * a loaded machine a rank whose JVM starts late is ended before it gets to the library; the second
     * run tells mpirun to wait for every rank (it then exits 0 whatever the ranks return).
     */
    private static void everyRankSaysAndTheJobFails(String message, String libraryOption) throws Exception {
        Job failing = run(command(2, MpiCheckMain.class.getName(), libraryOption));
        assertNotEquals(0, failing.exitCode(), failing.output());
        assertTrue(failing.output().lines().anyMatch(message::equals), failing.output());
        List<String> waitForAll = new ArrayList<>(command(2, MpiCheckMain.class.getName(), libraryOption));
        waitForAll.addAll(1, List.of("--mca", "orte_abort_on_non_zero_status", "0"));
        Job all = run(waitForAll);
        assertEquals(2, all.output().lines().filter(message::equals).count(), all.output());
    }

    @Test
    void aRankThatFailsAbortsTheJobInsteadOfLeavingItsPeersWaiting() throws Exception {
        assumeMpirun();
        Job job = run(command(2, MpiCheckMain.class.getName(), "-Dmoe4j.mpi.check.failRank=1"));
        assertEquals(3, job.exitCode(), job.output());
        assertTrue(job.output().contains("rank 1 of 2: FAILED: java.lang.IllegalStateException: rank 1 failed on purpose"), job.output());
        assertFalse(job.output().contains("rank 0 of 2: ok"), job.output());
    }

    @Test
    void aLibraryThatIsNotMpiIsRefused() {
        CommunicationException e = assertThrows(CommunicationException.class, () -> OpenMpi.load("libc.so.6"));
        assertEquals("libc.so.6 opened but has no MPI_Get_library_version: it is not an MPI 3 library; " + OpenMpi.INSTALL_HINT, e.getMessage());
        CommunicationException missing = assertThrows(CommunicationException.class, () -> OpenMpi.load("/nonexistent/libmpi.so"));
        assertTrue(missing.getMessage().startsWith("cannot open /nonexistent/libmpi.so: "), missing.getMessage());
    }

    /** Another MPI, or an Open MPI older than 3, is refused by its version string before any handle is used. */
    @Test
    void aWrongMpiVersionIsRefusedByName() {
        CommunicationException mpich = assertThrows(CommunicationException.class,
                () -> OpenMpi.requireOpenMpi3("libmpich.so.12", "MPICH Version:\t4.0.2\nMPICH Release date:\tThu Apr  7 12:34:45 CDT 2022\n"));
        assertEquals("libmpich.so.12 is not Open MPI 3 or later (its version string is \"MPICH Version:\t4.0.2\"); moe4j binds Open MPI's"
                + " handles: " + OpenMpi.INSTALL_HINT, mpich.getMessage());
        CommunicationException old = assertThrows(CommunicationException.class,
                () -> OpenMpi.requireOpenMpi3("libmpi.so.20", "Open MPI v2.1.1, package: Open MPI buildd Distribution, ident: 2.1.1"));
        assertTrue(old.getMessage().startsWith("libmpi.so.20 is not Open MPI 3 or later (its version string is \"Open MPI v2.1.1, package"),
                old.getMessage());
        OpenMpi.requireOpenMpi3("libmpi.so.40", "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4");
        OpenMpi.requireOpenMpi3("libmpi.so.40", "Open MPI v10.0.0");
    }

    @Test
    void openMpiIsRecognisedAndItsHandlesResolve() {
        assumeMpirun();
        OpenMpi mpi = OpenMpi.load();
        assertTrue(mpi.version.startsWith("Open MPI v"), mpi.version);
        assertNotEquals(0, mpi.commWorld.address());
        assertNotEquals(mpi.floatType.address(), mpi.intType.address());
    }
}
