package org.moe4j.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.moe4j.dist.Communicator;
import org.moe4j.dist.CommunicationException;
import org.moe4j.dist.MpiCommunicator;
import org.moe4j.parallel.Agreement;
import org.moe4j.server.CompletionServer;
import org.moe4j.server.ReplicaRank;
import org.moe4j.server.ServedModel;
import org.moe4j.server.ServerConfig;

/**
 * {@code moe4j serve MODEL --distributed}, one rank of an MPI job serving one model. Every rank
 * loads the model (mapped: the pages of experts it does not own are never read) and takes its
 * contiguous share of every MoE layer's experts; the load ends in an {@link Agreement}, so a rank
 * that cannot load or split stops every rank with its message and exit code 2. Then rank 0 serves
 * HTTP and schedules ({@link CompletionServer#startLeader}) and the others replay its steps
 * ({@link ReplicaRank}). A failure after that, which has no phase boundary to meet at, aborts the job
 * (MPI_Abort), so no rank waits forever in a collective.
 */
final class DistributedServing {
    private DistributedServing() {}

    /** The variables mpirun (Open MPI's launcher, or PMIx under srun) gives each rank it starts. */
    static boolean underMpirun() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null || System.getenv("PMIX_RANK") != null;
    }

    /**
     * Opens the model at {@code path} on this rank and keeps its share of the experts; a phase that
     * ends in an {@link Agreement}: when any rank cannot (a file it cannot read, experts that do not
     * split over the ranks), every rank throws {@link Agreement.RankFailedException} naming the
     * first such rank and its reason.
     */
    static ServedModel loadShare(Communicator world, Path path, int context) {
        ServedModel model = null;
        Exception failure = null;
        try {
            model = ServedModel.load(path, context);
            model.model().splitExpertsOver(world);
        } catch (Exception e) {
            failure = e;
        }
        Agreement.check(world, failure);
        return model;
    }

    static int run(ServeCommand command) {
        if (!underMpirun()) {
            throw new IllegalArgumentException("--distributed runs under mpirun (mpirun -np N moe4j serve MODEL --distributed);"
                    + " neither OMPI_COMM_WORLD_SIZE nor PMIX_RANK is set");
        }
        if (command.experts.inUse()) {
            throw new IllegalArgumentException("--distributed cannot keep experts in RAM (--experts-in-ram, --memory, --stats):"
                    + " each rank reads only its own experts");
        }
        MpiCommunicator world;
        try {
            world = MpiCommunicator.world();
        } catch (CommunicationException e) {
            System.err.println("moe4j serve: " + e.getMessage());
            return 2;
        }
        String who = "rank " + world.rank() + " of " + world.size();
        try {
            ServedModel model = loadShare(world, command.run, command.context);
            if (world.rank() != 0) {
                ReplicaRank.follow(model, world);
                world.close();
                return 0;
            }
            ServerConfig config = command.config(true);
            CompletionServer server = CompletionServer.startLeader(model, config, world, e -> {
                System.err.println("moe4j serve: " + who + ": a model step failed: " + e.getMessage() + " ("
                        + e.getClass().getSimpleName() + "); ending every rank");
                world.abort(1);
            });
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // closing the server sends the stop step: the other ranks return from ReplicaRank.follow
                server.close();
                stopped.countDown();
            }));
            System.err.println("serving " + model.name() + " (context " + model.contextLength() + ") on " + server.baseUri()
                    + " with " + world.size() + " ranks (" + world.libraryVersion() + ")"
                    + (command.key() == null ? "" : " (API key required)") + "; prefix reuse off; Ctrl-C stops");
            stopped.await();
            return 0;
        } catch (Agreement.RankFailedException e) {
            System.err.println("moe4j serve: " + who + ": stopped, " + e.getMessage());
            world.close();
            return 2;
        } catch (Throwable t) {
            System.err.println("moe4j serve: " + who + ": " + t.getMessage() + " (" + t.getClass().getSimpleName()
                    + "); ending every rank");
            if (System.getenv("MOE4J_DEBUG") != null) t.printStackTrace();
            world.abort(1);
            return 1;
        }
    }
}
