package org.moe4j.server;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What rank 0 of a serving group tells the other ranks before each engine step, so they replay it
 * on their own copy of the KV state ({@link ReplicaRank}): the sequences freed since the last step,
 * then for each sequence of the step its id, the position its new tokens start at (0 for a
 * sequence the replicas have not seen, which they create) and the tokens. An idle step has no
 * sequences; a stop step ends the replicas. Sent as ints (their bits travel unchanged in the
 * float buffers of a broadcast).
 */
record ReplicaStep(Kind kind, int[] freed, int[] ids, int[] positions, List<int[]> tokens) {
    enum Kind { STEP, IDLE, STOP }

    ReplicaStep {
        if (ids.length != positions.length || ids.length != tokens.size()) {
            throw new IllegalArgumentException("a replica step has " + ids.length + " ids, " + positions.length
                    + " positions and " + tokens.size() + " token lists: they must be as many");
        }
    }

    static final ReplicaStep IDLE = new ReplicaStep(Kind.IDLE, new int[0], new int[0], new int[0], List.of());
    static final ReplicaStep STOP = new ReplicaStep(Kind.STOP, new int[0], new int[0], new int[0], List.of());

    /** kind, freed count, freed ids, sequence count, then per sequence: id, position, token count, tokens. */
    int[] encode() {
        int n = 3 + freed.length;
        for (int[] t : tokens) n += 3 + t.length;
        int[] out = new int[n];
        int at = 0;
        out[at++] = kind.ordinal();
        out[at++] = freed.length;
        for (int id : freed) out[at++] = id;
        out[at++] = ids.length;
        for (int s = 0; s < ids.length; s++) {
            out[at++] = ids[s];
            out[at++] = positions[s];
            out[at++] = tokens.get(s).length;
            for (int t : tokens.get(s)) out[at++] = t;
        }
        return out;
    }

    static ReplicaStep decode(int[] in) {
        int at = 0;
        int kind = in[at++];
        if (kind < 0 || kind >= Kind.values().length) {
            throw new IllegalStateException("a replica step of kind " + kind + " arrived: the ranks are out of step");
        }
        int[] freed = Arrays.copyOfRange(in, at + 1, at + 1 + in[at]);
        at += 1 + freed.length;
        int sequences = in[at++];
        int[] ids = new int[sequences];
        int[] positions = new int[sequences];
        List<int[]> tokens = new ArrayList<>(sequences);
        for (int s = 0; s < sequences; s++) {
            ids[s] = in[at++];
            positions[s] = in[at++];
            int n = in[at++];
            tokens.add(Arrays.copyOfRange(in, at, at + n));
            at += n;
        }
        if (at != in.length) {
            throw new IllegalStateException("a replica step of " + in.length + " ints held " + at + ": the ranks are out of step");
        }
        return new ReplicaStep(Kind.values()[kind], freed, ids, positions, tokens);
    }
}
