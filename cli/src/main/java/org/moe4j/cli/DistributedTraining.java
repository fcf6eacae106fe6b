package org.moe4j.cli;

import org.moe4j.data.TokenCorpus;
import org.moe4j.dist.CommunicationException;
import org.moe4j.dist.MpiCommunicator;
import org.moe4j.model.TransformerLM;
import org.moe4j.parallel.Agreement;
import org.moe4j.parallel.ParallelLayout;
import org.moe4j.parallel.ParallelTraining;

/**
 * {@code moe4j train --distributed}, one rank of an MPI job. Rank 0 sets the run up as one process
 * would (run folder, tokenizer, run.json, token file); then the other ranks read it back from the
 * shared folder; then every rank builds the model and joins the layout. Each phase ends in an
 * {@link Agreement}, so a rank that fails (a run folder it cannot read, experts that do not split)
 * stops every rank with its message and exit code 2. A failure during training, which has no
 * phase boundary to meet at, aborts the job (MPI_Abort), so no rank waits forever.
 */
final class DistributedTraining {
    private DistributedTraining() {}

    static int run(TrainCommand command) {
        MpiCommunicator world;
        try {
            world = MpiCommunicator.world();
        } catch (CommunicationException e) {
            System.err.println("moe4j train: " + e.getMessage());
            return 2;
        }
        String who = "rank " + world.rank() + " of " + world.size();
        try {
            boolean first = world.rank() == 0;
            TrainCommand.Setup setup = null;
            Exception failure = null;
            try {
                if (command.out == null) {
                    throw new IllegalArgumentException("--distributed needs --out DIR, the run folder every rank shares");
                }
                if (first) {
                    setup = command.setup(false);
                    // the token file is written once, here; the others open it
                    TokenCorpus.prepare(setup.source(), setup.tok(), setup.run().tokenFile(), setup.training().validationFraction()).close();
                }
            } catch (Exception e) {
                failure = e;
            }
            Agreement.check(world, failure);
            ParallelLayout layout = null;
            try {
                if (!first) setup = command.setup(true);
                layout = new ParallelLayout(world.size(), command.expertParallel);
                layout.check(setup.config(), setup.training().batchSize());
            } catch (Exception e) {
                failure = e;
            }
            Agreement.check(world, failure);
            TransformerLM model = new TransformerLM(setup.config(), layout.expertSlice(world.rank()));
            ParallelTraining parallel = ParallelTraining.start(world, model, layout, setup.training().batchSize());
            if (first) {
                System.err.printf("moe4j train: %d ranks, %d data group(s) of %d expert rank(s) (%s)%n", world.size(),
                        layout.dataParallel(), layout.expertParallel(), world.libraryVersion());
            }
            int code = command.train(setup, parallel, model);
            // every rank's own totals: the spread between ranks is the waiting of the cost model (docs/distributed.md)
            System.err.println("moe4j train: rank " + world.rank() + " communication: " + parallel.communicationSummary());
            world.close();
            return code;
        } catch (Agreement.RankFailedException e) {
            System.err.println("moe4j train: " + who + ": stopped, " + e.getMessage());
            world.close();
            return 2;
        } catch (Throwable t) {
            System.err.println("moe4j train: " + who + ": " + t.getMessage() + " (" + t.getClass().getSimpleName()
                    + "); ending every rank");
            if (System.getenv("MOE4J_DEBUG") != null) t.printStackTrace();
            world.abort(1);
            return 1;
        }
    }
}
