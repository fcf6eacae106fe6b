package org.moe4j.parallel;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.autograd.Variable;
import org.moe4j.dist.Communicator;
import org.moe4j.io.StreamedTensor;
import org.moe4j.tensor.Tensor;
import org.moe4j.train.Distribution;

/**
 * One checkpoint of an expert group, written by its rank 0 without gathering the experts first.
 * The writer adds every expert weight and AdamW moment another rank holds to the files as a
 * {@link StreamedTensor}; when the file writer reaches one, the writer broadcasts which block it
 * needs (stacked tensor, weight or moment, expert) and the rank holding that expert sends its
 * block through an all-to-all whose only receiver is the writer. The other ranks answer such
 * requests until the writer broadcasts the end. So the writer holds at most one other rank's
 * expert block at a time (one receive buffer, reused) on top of its own share, and the file is
 * the one the gathered tensors give, byte for byte: the safetensors layout depends only on the
 * names, shapes and values.
 */
final class ExpertCheckpoint {
    /** The AdamW moments an expert weight has, in the optimizer state's names. */
    static final List<String> MOMENTS = List.of("exp_avg/", "exp_avg_sq/");
    /** A request's first float when the writer is done. */
    private static final float END = -1;

    /**
     * A stacked expert parameter held in part: {@code name} in the state dictionary, the per-expert
     * checkpoint names {@code prefix.e.key}, experts [first, first + count) of {@code total} held here.
     */
    record Stacked(String name, String prefix, String key, Variable variable, int first, int total) {
        int count() {
            return variable.shape()[0];
        }

        /** Floats per expert. */
        int block() {
            return variable.value().size() / count();
        }

        int[] wholeShape() {
            int[] shape = variable.shape().clone();
            shape[0] = total;
            return shape;
        }

        int[] oneShape() {
            int[] shape = variable.shape();
            return Arrays.copyOfRange(shape, 1, shape.length);
        }

        boolean holds(int expert) {
            return expert >= first && expert < first + count();
        }
    }

    private final Communicator expertGroup;
    private final List<Stacked> stacked;
    /** The writer's receive buffer: one expert block of the largest stacked tensor. */
    private final float[] received;

    ExpertCheckpoint(Communicator expertGroup, List<Stacked> stacked) {
        this.expertGroup = expertGroup;
        this.stacked = List.copyOf(stacked);
        int largest = 0;
        for (Stacked s : stacked) largest = Math.max(largest, s.block());
        this.received = new float[expertGroup.rank() == 0 ? largest : 0];
    }

    /** Bytes the writer holds of other ranks' experts at any moment while it writes: its receive buffer. */
    long writerBufferBytes() {
        return (long) received.length * Float.BYTES;
    }

    /**
     * Every rank of the expert group calls it with its own states: the writer (expert rank 0) runs
     * {@code writer} with the others' experts as streamed tensors; the others send their blocks as
     * asked and return when the writer is done.
     */
    void write(Map<String, Tensor> model, Map<String, Tensor> optimizer, Distribution.CheckpointWriter writer) throws IOException {
        if (expertGroup.rank() != 0) {
            answer(optimizer);
            return;
        }
        Map<String, StreamedTensor> streamedModel = new LinkedHashMap<>();
        Map<String, StreamedTensor> streamedOptimizer = new LinkedHashMap<>();
        for (int si = 0; si < stacked.size(); si++) {
            Stacked s = stacked.get(si);
            int index = si;
            for (int e = 0; e < s.total(); e++) {
                if (s.holds(e)) continue;
                int expert = e;
                streamedModel.put(s.prefix() + "." + e + "." + s.key(),
                        new StreamedTensor(s.oneShape(), sink -> fetch(index, 0, expert, s.block(), sink)));
            }
            for (int m = 0; m < MOMENTS.size(); m++) {
                Tensor own = optimizer.remove(MOMENTS.get(m) + s.name());
                if (own == null) continue;
                int kind = m + 1;
                streamedOptimizer.put(MOMENTS.get(m) + s.name(), new StreamedTensor(s.wholeShape(), sink -> {
                    for (int e = 0; e < s.total(); e++) {
                        if (s.holds(e)) sink.put(own.data(), own.offset() + (e - s.first()) * s.block(), s.block());
                        else fetch(index, kind, e, s.block(), sink);
                    }
                }));
            }
        }
        try {
            writer.write(model, streamedModel, optimizer, streamedOptimizer);
        } catch (IOException | RuntimeException | Error failure) {
            // the others wait for requests: release them, so only this rank's failure ends the run
            try {
                request(END, 0, 0);
            } catch (RuntimeException again) {
                failure.addSuppressed(again);
            }
            throw failure;
        }
        request(END, 0, 0);
    }

    /** Writer: asks for expert {@code expert}'s block of stacked tensor {@code index} (kind 0 the weight, m + 1 moment m) and passes it on. */
    private void fetch(int index, int kind, int expert, int block, StreamedTensor.Sink sink) throws IOException {
        request(index, kind, expert);
        int holder = expert / stacked.get(index).count();
        int[] receiveCounts = new int[expertGroup.size()];
        receiveCounts[holder] = block;
        expertGroup.allToAll(MemorySegment.ofArray(new float[0]), new int[expertGroup.size()], MemorySegment.ofArray(received),
                receiveCounts);
        sink.put(received, 0, block);
    }

    private void request(float index, int kind, int expert) {
        // every value is an exact float: indices below 2^24
        expertGroup.broadcast(new float[] {index, kind, expert}, 0);
    }

    /** Every rank but the writer: sends the blocks asked for that it holds, until the end. */
    private void answer(Map<String, Tensor> optimizer) {
        float[] request = new float[3];
        while (true) {
            expertGroup.broadcast(request, 0);
            if (request[0] == END) return;
            Stacked s = stacked.get((int) request[0]);
            int kind = (int) request[1];
            int expert = (int) request[2];
            int[] sendCounts = new int[expertGroup.size()];
            MemorySegment send = MemorySegment.ofArray(new float[0]);
            if (s.holds(expert)) {
                Tensor t = kind == 0 ? s.variable().value() : optimizer.get(MOMENTS.get(kind - 1) + s.name());
                if (t == null) {
                    throw new IllegalStateException("rank " + expertGroup.rank() + " of its expert group: the checkpoint asks for "
                            + MOMENTS.get(kind - 1) + s.name() + ", which this rank's optimizer does not hold");
                }
                sendCounts[0] = s.block();
                send = MemorySegment.ofArray(t.data()).asSlice((long) (t.offset() + (expert - s.first()) * s.block()) * Float.BYTES,
                        (long) s.block() * Float.BYTES);
            }
            expertGroup.allToAll(send, sendCounts, MemorySegment.ofArray(new float[0]), new int[expertGroup.size()]);
        }
    }
}
