package org.moe4j.parallel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.moe4j.autograd.Variable;
import org.moe4j.data.Batch;
import org.moe4j.dist.Communicator;
import org.moe4j.kernel.Reductions;
import org.moe4j.model.TransformerLM;
import org.moe4j.moe.Experts;
import org.moe4j.moe.MoeLayer;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Distribution;

/**
 * Training a {@link TransformerLM} over the ranks of a {@link ParallelLayout}. Every rank builds
 * the model from the same seed, holding only its expert group shard's experts
 * ({@link ParallelLayout#expertSlice}: the initial values are the whole model's, without a
 * transfer), and trains on its own B/N rows of each global batch of B. Then, with g_r the gradient
 * of rank r's shard mean loss, the global batch's gradient is (1/N) sum_r g_r:
 * <ul>
 *   <li>dense weights (attention, norms, embeddings, routers, shared experts): summed over all N
 *       ranks by one all-reduce of all of them, then divided by N;
 *   <li>expert weights under expert parallelism: rank q of an expert group holds and computes only
 *       its experts [q E/X, (q+1) E/X), receiving every token of its group routed to them, so
 *       their gradient already sums its group's X shards; an all-reduce over the D ranks holding
 *       the same experts adds the other groups', then the division by N.
 * </ul>
 * The clipping norm adds the dense part (equal everywhere) to the held experts' squares summed
 * over all ranks and divided by D (each expert is held D times). Every rank then takes the same
 * AdamW step, whose buffers for experts exist only where the experts are held. A checkpoint is
 * written once, by world rank 0, with the experts other ranks hold streamed to it one block at a
 * time as the file is written ({@link ExpertCheckpoint}); any rank count can resume it.
 */
public final class ParallelTraining implements Distribution, AutoCloseable {
    private final Communicator world;
    private final Communicator expertGroup;
    private final Communicator replicas;
    private final TransformerLM model;
    private final ParallelLayout layout;
    /** Expert weights held in slices (expert parallelism): the layer's experts [first, first + count) only. */
    private final Set<Variable> sliced = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The same, by name, with where their experts sit in the whole model. */
    private final List<ExpertCheckpoint.Stacked> stacked = new ArrayList<>();
    /** Writes the checkpoints of the first expert group (null in pure data parallel). */
    private final ExpertCheckpoint checkpoint;

    private ParallelTraining(Communicator world, TransformerLM model, ParallelLayout layout) {
        this.world = new CommunicationLog(world, new CommunicationLog.Totals());
        this.model = model;
        this.layout = layout;
        int rank = world.rank();
        this.expertGroup = this.world.split(layout.groupOf(rank), rank);
        this.replicas = this.world.split(layout.shardOf(rank), rank);
        for (FeedForwardBlock block : model.feedForwardBlocks()) {
            if (block instanceof MoeLayer moe) moe.distribute(new ExpertParallelDispatch(expertGroup, this.world));
        }
        if (layout.expertParallel() > 1) {
            for (var layer : model.stackedExperts().entrySet()) {
                Experts experts = (Experts) layer.getValue();
                for (var p : layer.getValue().namedParameters().entrySet()) {
                    sliced.add(p.getValue());
                    stacked.add(new ExpertCheckpoint.Stacked(layer.getKey() + "." + p.getKey(), layer.getKey(), p.getKey(),
                            p.getValue(), experts.firstExpert(), experts.totalExperts()));
                }
            }
        }
        this.checkpoint = stacked.isEmpty() || layout.groupOf(rank) != 0 ? null : new ExpertCheckpoint(expertGroup, stacked);
    }

    /**
     * Spreads {@code model} over the ranks of {@code world} as {@code layout} says, after checking
     * the layout fits them, the model and the global batch, and that the model holds this rank's
     * experts. Every rank calls it, with the same layout and batch; {@link #close} undoes it.
     */
    public static ParallelTraining start(Communicator world, TransformerLM model, ParallelLayout layout, int globalBatch) {
        if (layout.ranks() != world.size()) {
            throw new IllegalArgumentException("parallel layout for " + layout.ranks() + " ranks, but the job has " + world.size());
        }
        layout.check(model.config(), globalBatch);
        if (!model.expertSlice().equals(layout.expertSlice(world.rank()))) {
            throw new IllegalArgumentException("rank " + world.rank() + " of " + world.size() + ": the model holds expert slice "
                    + model.expertSlice() + ", the layout gives this rank " + layout.expertSlice(world.rank())
                    + "; build it with new TransformerLM(config, layout.expertSlice(rank))");
        }
        return new ParallelTraining(world, model, layout);
    }

    public ParallelLayout layout() {
        return layout;
    }

    public Communicator world() {
        return world;
    }

    /**
     * What this rank's collectives cost so far: calls, bytes it sent to other ranks (all of an
     * all-reduce's buffer) and seconds, for all-reduce and all-to-all.
     */
    public String communicationSummary() {
        CommunicationLog.Totals t = ((CommunicationLog) world).totals();
        return String.format(java.util.Locale.ROOT, "all-reduce %d calls, %.1f MB, %.2f s; all-to-all %d calls, %.1f MB, %.2f s",
                t.allReduceCalls, t.allReduceBytes / 1e6, t.allReduceNanos / 1e9, t.allToAllCalls, t.allToAllBytes / 1e6,
                t.allToAllNanos / 1e9);
    }

    @Override
    public boolean writesFiles() {
        return world.rank() == 0;
    }

    @Override
    public Batch shard(Batch global) {
        int rows = global.batchSize() / world.size();
        int T = global.contextLength();
        int from = world.rank() * rows * T;
        return new Batch(java.util.Arrays.copyOfRange(global.inputs(), from, from + rows * T),
                java.util.Arrays.copyOfRange(global.targets(), from, from + rows * T), rows, T);
    }

    @Override
    public double mean(double local) {
        return Sums.sum(world, local) / world.size();
    }

    @Override
    public void reduceGradients(List<Variable> parameters) {
        List<Variable> dense = new ArrayList<>();
        List<Variable> held = new ArrayList<>();
        for (Variable p : parameters) (sliced.contains(p) ? held : dense).add(p);
        reduce(world, dense, false);
        reduce(replicas, held, true);
    }

    /**
     * Sums the gradients over {@code group} and divides by the world size. A dense weight that has
     * no gradient on any rank keeps none, as in one process; a held expert weight always gets one
     * (zero where no token reached it), so the optimizer holds buffers for it on every rank alike.
     */
    private void reduce(Communicator group, List<Variable> params, boolean experts) {
        long total = params.size();
        for (Variable p : params) total += p.value().size();
        float[] buffer = new float[Math.toIntExact(total)];
        int at = 0;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            Tensor g = p.grad();
            if (g != null) {
                System.arraycopy(g.data(), g.offset(), buffer, at, g.size());
                buffer[buffer.length - params.size() + i] = 1;
            }
            at += p.value().size();
        }
        // a group of one (pure expert parallel: each expert held once) already holds its sum
        if (group.size() > 1) group.allReduceSum(buffer);
        float scale = 1f / world.size();
        at = 0;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            int n = p.value().size();
            boolean present = buffer[buffer.length - params.size() + i] > 0;
            if (present || experts) {
                if (p.grad() == null) p.accumulateOwnedGrad(Tensor.zeros(p.shape()));
                Tensor g = p.grad();
                float[] d = g.data();
                for (int j = 0; j < n; j++) d[g.offset() + j] = buffer[at + j] * scale;
            }
            at += n;
        }
    }

    @Override
    public double globalNorm(List<Variable> parameters) {
        double dense = 0;
        double held = 0;
        for (Variable p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            double squares = Reductions.sumOfSquares(g.data(), g.offset(), g.size());
            if (sliced.contains(p)) held += squares;
            else dense += squares;
        }
        if (sliced.isEmpty()) return Math.sqrt(dense);
        return Math.sqrt(dense + Sums.sum(world, held) / layout.dataParallel());
    }

    /**
     * Pure data parallel: world rank 0 holds the whole model and writes it. Expert parallel: the
     * first expert group writes it ({@link ExpertCheckpoint}: its rank 0, world rank 0, with its
     * peers' experts streamed to it block by block); the other groups hold copies and do nothing.
     */
    @Override
    public void writeCheckpoint(Map<String, Tensor> modelState, Map<String, Tensor> optimizerState, CheckpointWriter writer)
            throws IOException {
        if (checkpoint != null) checkpoint.write(modelState, optimizerState, writer);
        else if (writesFiles()) writer.write(modelState, Map.of(), optimizerState, Map.of());
    }

    /**
     * The bytes of other ranks' experts this rank holds at most while it writes a checkpoint (one
     * expert block: {@link ExpertCheckpoint}); 0 on ranks that do not write or hold every expert.
     */
    public long checkpointBufferBytes() {
        return checkpoint == null ? 0 : checkpoint.writerBufferBytes();
    }

    /** This rank's experts' rows of the whole model's AdamW moments; every other buffer as it is. */
    @Override
    public Map<String, Tensor> ownShare(Map<String, Tensor> optimizerState) {
        Map<String, Tensor> own = new LinkedHashMap<>(optimizerState);
        for (ExpertCheckpoint.Stacked s : stacked) {
            for (String moment : ExpertCheckpoint.MOMENTS) {
                Tensor t = own.get(moment + s.name());
                if (t == null) continue;
                if (!Arrays.equals(t.shape(), s.wholeShape())) {
                    throw new IllegalArgumentException("optimizer state '" + moment + s.name() + "' has shape "
                            + org.moe4j.tensor.Shape.str(t.shape()) + ", the whole model's is "
                            + org.moe4j.tensor.Shape.str(s.wholeShape()));
                }
                int block = t.size() / s.total();
                int count = s.variable().shape()[0];
                float[] data = t.toArray();
                own.put(moment + s.name(), Tensor.of(Arrays.copyOfRange(data, s.first() * block, (s.first() + count) * block),
                        s.variable().shape()));
            }
        }
        return own;
    }

    @Override
    public long fromFirstRank(long value) {
        // four 16-bit pieces: each is an exact float
        float[] pieces = new float[4];
        for (int i = 0; i < 4; i++) pieces[i] = (value >>> (16 * i)) & 0xFFFF;
        world.broadcast(pieces, 0);
        long out = 0;
        for (int i = 0; i < 4; i++) out |= ((long) pieces[i]) << (16 * i);
        return out;
    }

    @Override
    public void agree(Exception localFailure) {
        Agreement.check(world, localFailure);
    }

    /**
     * The model's layers run in this process alone again; a model that holds a slice of the
     * experts cannot run them all, so a rank that wants the whole model loads the checkpoint.
     */
    @Override
    public void close() {
        for (FeedForwardBlock block : model.feedForwardBlocks()) {
            if (block instanceof MoeLayer moe) moe.distribute(null);
        }
        expertGroup.close();
        replicas.close();
    }
}
