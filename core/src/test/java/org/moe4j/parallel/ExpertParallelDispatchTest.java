package org.moe4j.parallel;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.moe4j.autograd.Arithmetic;
import org.moe4j.autograd.Variable;
import org.moe4j.dist.LocalGroup;
import org.moe4j.moe.DispatchPlan;
import org.moe4j.moe.MoeDispatch;
import org.moe4j.moe.ExpertSlice;
import org.moe4j.moe.SwiGluExperts;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * The expert-parallel dispatch against the one-process {@link MoeDispatch} on the same tokens,
 * plan and weights: outputs, input gradients and gate gradients agree, and every token crosses to
 * a rank once however many of its experts live there.
 */
class ExpertParallelDispatchTest {
    private static final int D = 8;
    private static final int HIDDEN = 6;
    private static final int EXPERTS = 4;
    private static final int TOKENS = 6;

    /** Rank r's plan: top-2 pairs, some with both experts on one rank, one token with a single pair. */
    private static DispatchPlan plan(int rank) {
        int[][] pairs = rank == 0
                ? new int[][] {{0, 0}, {0, 1}, {1, 1}, {1, 2}, {2, 3}, {3, 2}, {3, 3}, {4, 0}, {4, 3}, {5, 1}, {5, 0}}
                : new int[][] {{0, 3}, {0, 2}, {1, 0}, {2, 1}, {2, 2}, {3, 0}, {3, 1}, {4, 2}, {5, 3}, {5, 1}};
        int[] token = new int[pairs.length];
        int[] expert = new int[pairs.length];
        int[] gate = new int[pairs.length];
        for (int p = 0; p < pairs.length; p++) {
            token[p] = pairs[p][0];
            expert[p] = pairs[p][1];
            gate[p] = p;
        }
        return new DispatchPlan(TOKENS, EXPERTS, token, expert, gate);
    }

    private record Outcome(float[] y, float[] dx, float[] dGates, int rowsSent) {}

    /** Rank {@code rank}'s outcome, with every expert ({@code parallel} null) or with its half of them. */
    private static Outcome run(int rank, ExpertParallelDispatch parallel) {
        Rng rng = new Rng(100 + rank);
        Variable x = Variable.parameter(Init.uniform(Tensor.zeros(TOKENS, D), rng, -1, 1));
        DispatchPlan plan = plan(rank);
        Variable gates = Variable.parameter(Init.uniform(Tensor.zeros(plan.pairs()), rng, 0, 1));
        Tensor upstream = Init.uniform(Tensor.zeros(TOKENS, D), rng, -1, 1);
        SwiGluExperts experts = new SwiGluExperts(EXPERTS, D, HIDDEN, new Rng(9), parallel == null ? ExpertSlice.WHOLE
                : new ExpertSlice(rank, 2));
        Variable y = parallel == null ? MoeDispatch.apply(x, gates, plan, experts) : parallel.dispatch(x, gates, plan, experts);
        // a scalar through a second op, so the dispatch's backward runs inside a larger graph
        Arithmetic.mul(y, Variable.constant(upstream)).backward(Tensor.full(1f, TOKENS, D));
        return new Outcome(y.value().toArray(), x.grad().toArray(), gates.grad().toArray(), parallel == null ? 0 : parallel.lastRowsSent());
    }

    @Test
    void matchesOneProcessAndSendsEachTokenOncePerRank() {
        List<Outcome> got = LocalGroup.run(2, Duration.ofSeconds(30), comm -> run(comm.rank(), new ExpertParallelDispatch(comm, comm)));
        for (int rank = 0; rank < 2; rank++) {
            Outcome want = run(rank, null);
            assertArrayEquals(want.y(), got.get(rank).y(), 1e-5f, "y on rank " + rank);
            assertArrayEquals(want.dx(), got.get(rank).dx(), 1e-5f, "dx on rank " + rank);
            assertArrayEquals(want.dGates(), got.get(rank).dGates(), 1e-5f, "dgates on rank " + rank);
            DispatchPlan plan = plan(rank);
            Set<Long> tokenAndRank = new HashSet<>();
            for (int p = 0; p < plan.pairs(); p++) tokenAndRank.add(plan.pairToken()[p] * 10L + plan.pairExpert()[p] / 2);
            assertEquals(tokenAndRank.size(), got.get(rank).rowsSent(), "rows sent by rank " + rank);
            assertTrue(got.get(rank).rowsSent() < plan.pairs(), "fewer rows than pairs on rank " + rank);
        }
    }
}
