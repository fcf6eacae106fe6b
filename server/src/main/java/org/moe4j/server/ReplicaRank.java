package org.moe4j.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.dist.Communicator;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.KvPool;
import org.moe4j.engine.Sequence;

/**
 * A rank other than 0 of a group serving one model: it has no HTTP front and no scheduler, it
 * replays the engine steps rank 0's {@link BatchScheduler} broadcasts ({@link ReplicaStep}) on its
 * own KV pool of the same shape, so its attention sees the same keys and values as rank 0's and its
 * share of the experts ({@link org.moe4j.engine.DecoderModel#splitExpertsOver}) answers the same
 * pairs in the same all-gathers. It discards the logits: rank 0 draws the tokens.
 */
public final class ReplicaRank {
    private ReplicaRank() {}

    /**
     * Follows rank 0 until it sends the stop step; the model must already be split over {@code group}.
     * A step that does not fit this rank's state (a sequence it does not know, a position it is not
     * at) throws: the ranks are out of step and the caller must end the group.
     */
    public static void follow(ServedModel served, Communicator group) {
        ReplicaChannel channel = new ReplicaChannel(group);
        int[] shape = channel.receivePool();
        KvPool pool = served.model().newPool(shape[0], shape[1]);
        Map<Integer, Sequence> live = new HashMap<>();
        try {
            while (true) {
                ReplicaStep step = channel.receive();
                if (step.kind() == ReplicaStep.Kind.STOP) return;
                for (int id : step.freed()) {
                    Sequence gone = live.remove(id);
                    if (gone == null) throw new IllegalStateException("rank 0 freed sequence " + id + ", which this rank does not hold");
                    gone.release();
                }
                if (step.kind() == ReplicaStep.Kind.IDLE) continue;
                List<Sequence> states = new ArrayList<>(step.ids().length);
                for (int s = 0; s < step.ids().length; s++) {
                    int id = step.ids()[s];
                    Sequence seq = live.get(id);
                    if (seq == null) {
                        if (step.positions()[s] != 0) {
                            throw new IllegalStateException("rank 0 continued sequence " + id + " at position " + step.positions()[s]
                                    + ", which this rank does not hold");
                        }
                        seq = pool.newSequence(served.contextLength());
                        live.put(id, seq);
                    } else if (seq.length() != step.positions()[s]) {
                        throw new IllegalStateException("sequence " + id + " is at position " + seq.length() + " here but at "
                                + step.positions()[s] + " on rank 0");
                    }
                    states.add(seq);
                }
                served.model().forward(states, step.tokens(), false, ForwardObserver.NONE);
            }
        } finally {
            for (Sequence seq : live.values()) seq.release();
        }
    }
}
