package org.moe4j.parallel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.moe4j.autograd.Variable;
import org.moe4j.dist.Communicator;
import org.moe4j.moe.DispatchPlan;
import org.moe4j.moe.ExpertParallelism;
import org.moe4j.moe.Experts;
import org.moe4j.moe.MoeDispatch;
import org.moe4j.tensor.Tensor;

/**
 * A MoE layer's experts split over an expert group of X ranks (rank q holds experts
 * [q E/X, (q+1) E/X) and no others: its {@link Experts} are built for that slice), each rank
 * routing its own tokens:
 * <pre>
 *   forward:  counts -> all-to-all of token rows and (row, expert, gate) per pair -> the holder
 *             computes sum over the token's pairs there of g_te expert_e(x_t), one row per token
 *             -> all-to-all back -> y_t = sum over holders of their rows
 *   backward: dy rows of the sent tokens -> all-to-all -> the holder runs its local dispatch
 *             backward (its experts' weight gradients stay there) -> all-to-all back of dx rows
 *             and dg per pair -> dx_t, dg_p summed where the token lives
 * </pre>
 * A token goes once to each rank holding at least one of its experts, not once per expert: with
 * top-2 routing both experts on one rank share one row, and the holder returns their gated sum.
 * {@link #sumOverBatch} sums over the whole world, every rank holding other tokens.
 */
final class ExpertParallelDispatch implements ExpertParallelism {
    private static final int PAIR_FIELDS = 3;

    private final Communicator group;
    private final Communicator world;
    private int lastRowsSent;

    /** {@code group}: the expert group (rank q holds shard q); {@code world}: every rank of the run. */
    ExpertParallelDispatch(Communicator group, Communicator world) {
        this.group = group;
        this.world = world;
    }

    @Override
    public double[] sumOverBatch(double[] values) {
        return Sums.sum(world, values);
    }

    @Override
    public Variable dispatch(Variable x, Variable gates, DispatchPlan plan, Experts experts) {
        if (group.size() == 1) {
            // pure data parallel: every expert is here
            return MoeDispatch.apply(x, gates, plan, experts);
        }
        Tensor xv = x.value();
        int tokens = xv.dim(0);
        int in = xv.dim(1);
        int out = experts.outputSize();
        int ranks = group.size();
        if (plan.numExperts() % ranks != 0) {
            throw new IllegalArgumentException("expert parallel dispatch: " + plan.numExperts() + " experts do not split over "
                    + ranks + " ranks");
        }
        int perRank = plan.numExperts() / ranks;
        // this rank holds the layer's experts [first, first + perRank) and no others
        int first = group.rank() * perRank;
        if (experts.numExperts() != perRank || experts.firstExpert() != first) {
            throw new IllegalArgumentException("expert parallel dispatch: rank " + group.rank() + " of " + ranks + " must hold experts ["
                    + first + ", " + (first + perRank) + ") of " + plan.numExperts() + ", but holds [" + experts.firstExpert() + ", "
                    + (experts.firstExpert() + experts.numExperts()) + ")");
        }

        // rowOf[t * ranks + q]: the row of token t in the block sent to rank q, -1 when none of its experts is there
        int[] rowOf = new int[tokens * ranks];
        Arrays.fill(rowOf, -1);
        int[] tokenCount = new int[ranks];
        int[] pairCount = new int[ranks];
        int pairs = plan.pairs();
        for (int p = 0; p < pairs; p++) {
            int q = plan.pairExpert()[p] / perRank;
            int cell = plan.pairToken()[p] * ranks + q;
            if (rowOf[cell] < 0) rowOf[cell] = tokenCount[q]++;
            pairCount[q]++;
        }
        int[] tokenStart = Sums.prefix(tokenCount);
        int[] pairStart = Sums.prefix(pairCount);
        int sentRows = tokenStart[ranks];
        lastRowsSent = sentRows;
        // sendToken[r]: the local token of sent row r (blocks in rank order)
        int[] sendToken = new int[sentRows];
        float[] sendX = new float[sentRows * in];
        float[] xd = xv.data();
        for (int t = 0; t < tokens; t++) {
            for (int q = 0; q < ranks; q++) {
                int row = rowOf[t * ranks + q];
                if (row < 0) continue;
                int r = tokenStart[q] + row;
                sendToken[r] = t;
                System.arraycopy(xd, xv.offset() + t * in, sendX, r * in, in);
            }
        }
        // per pair: its row in the destination's block, its expert (the layer's index), its gate value; ints below 2^24 are
        // exact floats
        int[] sendPair = new int[pairs];
        float[] sendPairs = new float[pairs * PAIR_FIELDS];
        int[] fill = Arrays.copyOf(pairStart, ranks);
        Tensor gv = gates.value();
        for (int p = 0; p < pairs; p++) {
            int q = plan.pairExpert()[p] / perRank;
            int i = fill[q]++;
            sendPair[i] = p;
            sendPairs[i * PAIR_FIELDS] = rowOf[plan.pairToken()[p] * ranks + q];
            sendPairs[i * PAIR_FIELDS + 1] = plan.pairExpert()[p];
            sendPairs[i * PAIR_FIELDS + 2] = gv.data()[gv.offset() + plan.pairGate()[p]];
        }

        int[] recvTokens = group.exchangeCounts(tokenCount);
        int[] recvPairs = group.exchangeCounts(pairCount);
        int[] recvTokenStart = Sums.prefix(recvTokens);
        int[] recvPairStart = Sums.prefix(recvPairs);
        int rows = recvTokenStart[ranks];
        int received = recvPairStart[ranks];
        float[] recvX = exchange(sendX, Sums.times(tokenCount, in), Sums.times(recvTokens, in));
        float[] recvPairData = exchange(sendPairs, Sums.times(pairCount, PAIR_FIELDS), Sums.times(recvPairs, PAIR_FIELDS));

        // the holder's side: a local dispatch over the received rows (experts numbered among the held ones), gates as
        // leaves so their gradients come back
        Local local = null;
        float[] yLocal = new float[0];
        if (rows > 0 && received > 0) {
            int[] pairToken = new int[received];
            int[] pairExpert = new int[received];
            int[] pairGate = new int[received];
            float[] gateValues = new float[received];
            for (int s = 0; s < ranks; s++) {
                for (int j = recvPairStart[s]; j < recvPairStart[s + 1]; j++) {
                    pairToken[j] = recvTokenStart[s] + (int) recvPairData[j * PAIR_FIELDS];
                    pairExpert[j] = (int) recvPairData[j * PAIR_FIELDS + 1] - first;
                    pairGate[j] = j;
                    gateValues[j] = recvPairData[j * PAIR_FIELDS + 2];
                }
            }
            Variable xr = Variable.parameter(Tensor.of(recvX, rows, in));
            Variable gr = Variable.parameter(Tensor.of(gateValues, received));
            Variable yr = MoeDispatch.apply(xr, gr, new DispatchPlan(rows, experts.numExperts(), pairToken, pairExpert, pairGate), experts);
            local = new Local(xr, gr, yr);
            yLocal = yr.value().toArray();
        }
        float[] yBack = exchange(yLocal, Sums.times(recvTokens, out), Sums.times(tokenCount, out));
        Tensor y = Tensor.zeros(tokens, out);
        float[] yd = y.data();
        for (int r = 0; r < sentRows; r++) {
            for (int j = 0, yo = sendToken[r] * out, bo = r * out; j < out; j++) yd[yo + j] += yBack[bo + j];
        }

        Local held = local;
        return Variable.result("expert_parallel_dispatch", y, dy -> {
            float[] dyd = dy.data();
            float[] sendDy = new float[sentRows * out];
            for (int r = 0; r < sentRows; r++) {
                System.arraycopy(dyd, dy.offset() + sendToken[r] * out, sendDy, r * out, out);
            }
            float[] dyRecv = exchange(sendDy, Sums.times(tokenCount, out), Sums.times(recvTokens, out));
            float[] dxLocal = new float[rows * in];
            float[] dgLocal = new float[received];
            if (held != null && held.y().requiresGrad()) {
                held.y().backward(Tensor.of(dyRecv, rows, out));
                if (held.x().grad() != null) dxLocal = held.x().grad().toArray();
                if (held.gates().grad() != null) dgLocal = held.gates().grad().toArray();
            }
            float[] dxBack = exchange(dxLocal, Sums.times(recvTokens, in), Sums.times(tokenCount, in));
            float[] dgBack = exchange(dgLocal, recvPairs, pairCount);
            Tensor dx = Tensor.zeros(tokens, in);
            float[] dxd = dx.data();
            for (int r = 0; r < sentRows; r++) {
                for (int j = 0, o = sendToken[r] * in, bo = r * in; j < in; j++) dxd[o + j] += dxBack[bo + j];
            }
            Tensor dGates = Tensor.zeros(gv.shape());
            for (int i = 0; i < pairs; i++) dGates.data()[plan.pairGate()[sendPair[i]]] += dgBack[i];
            x.accumulateOwnedGrad(dx);
            gates.accumulateGrad(dGates);
        }, x, gates);
    }

    /** Token rows the last forward sent, its own share included: one per (token, rank holding one of its experts). */
    int lastRowsSent() {
        return lastRowsSent;
    }

    /** The holder's leaves and output, kept for the backward pass. */
    private record Local(Variable x, Variable gates, Variable y) {}

    private float[] exchange(float[] send, int[] sendCounts, int[] receiveCounts) {
        int total = 0;
        for (int c : receiveCounts) total += c;
        float[] receive = new float[total];
        group.allToAll(MemorySegment.ofArray(send), sendCounts, MemorySegment.ofArray(receive), receiveCounts);
        return receive;
    }
}
