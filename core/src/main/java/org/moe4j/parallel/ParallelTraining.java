package org.moe4j.parallel;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.data.Batch;
import org.moe4j.dist.Communicator;
import org.moe4j.kernel.Reductions;
import org.moe4j.model.TransformerLM;
import org.moe4j.moe.MoeLayer;
import org.moe4j.nn.FeedForwardBlock;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Distribution;
import org.moe4j.train.Optimizer;

/**
 * Training a {@link TransformerLM} over the ranks of a {@link ParallelLayout}. Every rank builds
 * the whole model from the same seed (so the initial weights agree without a transfer) and trains
 * on its own B/N rows of each global batch of B. Then, with g_r the gradient of rank r's shard
 * mean loss, the global batch's gradient is (1/N) sum_r g_r:
 * <ul>
 *   <li>dense weights (attention, norms, embeddings, routers, shared experts): summed over all N
 *       ranks by one all-reduce of all of them, then divided by N;
 *   <li>expert weights under expert parallelism: rank q of an expert group computes only its
 *       experts [q E/X, (q+1) E/X), receiving every token of its group routed to them, so its slice
 *       already sums its group's X shards; an all-reduce over the D ranks holding the same slice
 *       adds the other groups', then the division by N. The other slices stay zero and unused.
 * </ul>
 * The clipping norm adds the dense part (equal everywhere) to the owned slices' squares summed over
 * all ranks and divided by D (each slice is held D times). Every rank then takes the same AdamW
 * step. Before a checkpoint, rank 0 of each expert group gathers the others' slices of the expert
 * weights and of their AdamW moments, so world rank 0 writes the whole model and any rank count
 * can resume it.
 */
public final class ParallelTraining implements Distribution, AutoCloseable {
    private final Communicator world;
    private final Communicator expertGroup;
    private final Communicator replicas;
    private final TransformerLM model;
    private final ParallelLayout layout;
    /** Expert weights held in slices: the owned range [start, end) of their flat values. */
    private final Map<Variable, int[]> slices = new IdentityHashMap<>();
    private final Map<Variable, String> names = new IdentityHashMap<>();

    private ParallelTraining(Communicator world, TransformerLM model, ParallelLayout layout) {
        this.world = new CommunicationLog(world, new CommunicationLog.Totals());
        this.model = model;
        this.layout = layout;
        int rank = world.rank();
        this.expertGroup = this.world.split(layout.groupOf(rank), rank);
        this.replicas = this.world.split(layout.shardOf(rank), rank);
        model.namedParameters().forEach((name, v) -> names.put(v, name));
        for (FeedForwardBlock block : model.feedForwardBlocks()) {
            if (!(block instanceof MoeLayer moe)) continue;
            moe.distribute(new ExpertParallelDispatch(expertGroup, this.world));
            if (layout.expertParallel() == 1) continue;
            int experts = moe.experts().numExperts();
            int perRank = experts / layout.expertParallel();
            int shard = layout.shardOf(rank);
            for (Variable w : moe.experts().parameters()) {
                int perExpert = w.value().size() / experts;
                slices.put(w, new int[] {shard * perRank * perExpert, (shard + 1) * perRank * perExpert});
            }
        }
    }

    /**
     * Spreads {@code model} over the ranks of {@code world} as {@code layout} says, after checking
     * the layout fits them, the model and the global batch. Every rank calls it, with the same
     * arguments; {@link #close} undoes it.
     */
    public static ParallelTraining start(Communicator world, TransformerLM model, ParallelLayout layout, int globalBatch) {
        if (layout.ranks() != world.size()) {
            throw new IllegalArgumentException("parallel layout for " + layout.ranks() + " ranks, but the job has " + world.size());
        }
        layout.check(model.config(), globalBatch);
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
        List<Variable> sliced = new ArrayList<>();
        for (Variable p : parameters) (slices.containsKey(p) ? sliced : dense).add(p);
        reduce(world, dense, false);
        reduce(replicas, sliced, true);
    }

    /**
     * Sums the gradients (of the owned slices when {@code sliced}) over {@code group} and divides
     * by the world size. A dense weight that has no gradient on any rank keeps none, as in one
     * process; an expert weight always gets one (zero where no token reached it), so the
     * optimizer holds buffers for it on every rank alike.
     */
    private void reduce(Communicator group, List<Variable> params, boolean sliced) {
        long total = params.size();
        for (Variable p : params) total += range(p)[1] - range(p)[0];
        float[] buffer = new float[Math.toIntExact(total)];
        int at = 0;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            int[] r = range(p);
            Tensor g = p.grad();
            if (g != null) {
                System.arraycopy(g.data(), g.offset() + r[0], buffer, at, r[1] - r[0]);
                buffer[buffer.length - params.size() + i] = 1;
            }
            at += r[1] - r[0];
        }
        // a group of one (pure expert parallel: each slice held once) already holds its sum
        if (group.size() > 1) group.allReduceSum(buffer);
        float scale = 1f / world.size();
        at = 0;
        for (int i = 0; i < params.size(); i++) {
            Variable p = params.get(i);
            int[] r = range(p);
            boolean present = buffer[buffer.length - params.size() + i] > 0;
            if (present || sliced) {
                if (p.grad() == null) p.accumulateOwnedGrad(Tensor.zeros(p.shape()));
                Tensor g = p.grad();
                float[] d = g.data();
                java.util.Arrays.fill(d, g.offset(), g.offset() + g.size(), 0f);
                for (int j = 0; j < r[1] - r[0]; j++) d[g.offset() + r[0] + j] = buffer[at + j] * scale;
            }
            at += r[1] - r[0];
        }
    }

    private int[] range(Variable p) {
        int[] r = slices.get(p);
        return r != null ? r : new int[] {0, p.value().size()};
    }

    @Override
    public double globalNorm(List<Variable> parameters) {
        double dense = 0;
        double owned = 0;
        for (Variable p : parameters) {
            Tensor g = p.grad();
            if (g == null) continue;
            int[] r = range(p);
            double squares = Reductions.sumOfSquares(g.data(), g.offset() + r[0], r[1] - r[0]);
            if (slices.containsKey(p)) owned += squares;
            else dense += squares;
        }
        if (slices.isEmpty()) return Math.sqrt(dense);
        return Math.sqrt(dense + Sums.sum(world, owned) / layout.dataParallel());
    }

    @Override
    public void gatherForCheckpoint(Optimizer optimizer) {
        if (slices.isEmpty()) return;
        Map<String, Tensor> state = optimizer.stateDict();
        for (var e : model.namedParameters().entrySet()) {
            int[] r = slices.get(e.getValue());
            if (r == null) continue;
            gather(e.getValue().value(), r);
            for (String buffer : List.of("exp_avg/", "exp_avg_sq/")) {
                Tensor t = state.get(buffer + e.getKey());
                if (t != null) gather(t, r);
            }
        }
    }

    /** Rank 0 of the expert group receives every rank's slice of {@code t} into its place. */
    private void gather(Tensor t, int[] owned) {
        int n = owned[1] - owned[0];
        int ranks = expertGroup.size();
        int[] send = new int[ranks];
        send[0] = n;
        int[] receive = new int[ranks];
        if (expertGroup.rank() == 0) java.util.Arrays.fill(receive, n);
        float[] mine = java.util.Arrays.copyOfRange(t.data(), t.offset() + owned[0], t.offset() + owned[1]);
        float[] all = new float[expertGroup.rank() == 0 ? n * ranks : 0];
        expertGroup.allToAll(MemorySegment.ofArray(mine), send, MemorySegment.ofArray(all), receive);
        if (expertGroup.rank() == 0) System.arraycopy(all, 0, t.data(), t.offset(), n * ranks);
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

    /** The model runs in this process alone again (on rank 0 after the last checkpoint it is whole). */
    @Override
    public void close() {
        for (FeedForwardBlock block : model.feedForwardBlocks()) {
            if (block instanceof MoeLayer moe) moe.distribute(null);
        }
        expertGroup.close();
        replicas.close();
    }
}
