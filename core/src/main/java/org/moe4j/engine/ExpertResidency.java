package org.moe4j.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.moe4j.tensor.WeightMatrix;

/**
 * Keeps the most used experts of each MoE layer in RAM while the others stay in the mapped file, for
 * models larger than the memory: the router's choices are counted per layer and expert, and every
 * {@link #REBALANCE_TOKENS} routed tokens of a layer its {@code perLayer} most used experts (counts
 * halved at each rebalance, so that use long past fades) are copied into memory of their own and the
 * experts that fell out of that set go back to their views of the file, whose pages the system may
 * drop. A copy holds the same bytes as the file, so every product gives the same bits either way.
 * A (token, expert) pair whose expert is resident when the router picks it is a hit; per-layer hit
 * rates are in {@link #stats}, which other threads may read (the server's metrics) while forward passes run.
 */
public final class ExpertResidency implements AutoCloseable {
    /** Routed tokens of a layer between two rebalances. */
    static final int REBALANCE_TOKENS = 64;

    /** One layer's counts: routed (token, expert) pairs, those whose expert was resident, experts resident now. */
    public record LayerStats(int layer, long lookups, long hits, int resident) {
        public double hitRate() {
            return lookups == 0 ? 0 : (double) hits / lookups;
        }
    }

    private final int perLayer;
    private final Layer[] layers;
    private boolean closed;

    /** One MoE layer's experts as mapped, the copies made, and the counts. */
    private static final class Layer {
        final int index;
        final ModelWeights.Mlp[] live;      // what the forward pass reads: a copy or the mapped view
        final ModelWeights.Mlp[] mapped;    // the views of the file
        final Arena[] copies;
        final long[] uses;
        long lookups, hits, sinceRebalance;

        Layer(int index, ModelWeights.Mlp[] experts) {
            this.index = index;
            this.live = experts;
            this.mapped = experts.clone();
            this.copies = new Arena[experts.length];
            this.uses = new long[experts.length];
        }
    }

    ExpertResidency(ModelWeights weights, int perLayer) {
        List<Layer> moe = new ArrayList<>();
        int most = 0;
        for (int l = 0; l < weights.layers.length; l++) {
            ModelWeights.MoeWeights m = weights.layers[l].moe();
            if (m != null) {
                moe.add(new Layer(l, m.experts()));
                most = Math.max(most, m.experts().length);
            }
        }
        if (perLayer < 0 || perLayer > most) {
            throw new IllegalArgumentException("experts in RAM per layer is " + perLayer + ", must be in [0, " + most + "]");
        }
        this.perLayer = perLayer;
        this.layers = moe.toArray(Layer[]::new);
    }

    private Layer layer(int index) {
        for (Layer l : layers) {
            if (l.index == index) return l;
        }
        throw new IllegalArgumentException("layer " + index + " has no experts");
    }

    // chosen: (pairs) expert ids of the routed (token, expert) pairs of one forward call
    /** Counts one call's routing of layer {@code index}, and rebalances the layer when its turn has come. */
    synchronized void record(int index, int[] chosen, int pairs, int tokens) {
        if (closed) return;
        Layer l = layer(index);
        for (int i = 0; i < pairs; i++) {
            int e = chosen[i];
            l.uses[e]++;
            l.lookups++;
            if (l.copies[e] != null) l.hits++;
        }
        l.sinceRebalance += tokens;
        if (l.sinceRebalance >= REBALANCE_TOKENS) {
            rebalance(l);
            l.sinceRebalance = 0;
        }
    }

    /** The perLayer most used experts resident (ties to the lower id), every other one back to the file. */
    private void rebalance(Layer l) {
        int E = l.uses.length;
        Integer[] order = new Integer[E];
        for (int e = 0; e < E; e++) order[e] = e;
        java.util.Arrays.sort(order, (a, b) -> l.uses[a] != l.uses[b] ? Long.compare(l.uses[b], l.uses[a]) : Integer.compare(a, b));
        boolean[] keep = new boolean[E];
        for (int i = 0; i < Math.min(perLayer, E); i++) {
            if (l.uses[order[i]] > 0) keep[order[i]] = true;
        }
        for (int e = 0; e < E; e++) {
            if (keep[e] && l.copies[e] == null) {
                Arena arena = Arena.ofShared();
                l.live[e] = copy(l.mapped[e], arena);
                l.copies[e] = arena;
            } else if (!keep[e] && l.copies[e] != null) {
                l.live[e] = l.mapped[e];
                l.copies[e].close();
                l.copies[e] = null;
            }
            l.uses[e] /= 2;
        }
    }

    private static ModelWeights.Mlp copy(ModelWeights.Mlp m, Arena arena) {
        return new ModelWeights.Mlp(copy(m.gate(), arena), copy(m.up(), arena), copy(m.down(), arena), m.gateBias(), m.upBias(),
                m.downBias(), copy(m.gateUp(), arena), m.gateUpBias());
    }

    private static WeightMatrix copy(WeightMatrix w, Arena arena) {
        if (w == null) return null;
        return new WeightMatrix(copy(w.data(), arena), w.format(), w.rows(), w.cols(), w.scales() == null ? null : copy(w.scales(), arena));
    }

    private static MemorySegment copy(MemorySegment s, Arena arena) {
        MemorySegment out = arena.allocate(s.byteSize(), 64);
        MemorySegment.copy(s, 0, out, 0, s.byteSize());
        return out;
    }

    /** Each MoE layer's lookups, hits and resident experts so far. */
    public synchronized List<LayerStats> stats() {
        List<LayerStats> out = new ArrayList<>();
        for (Layer l : layers) {
            int resident = 0;
            for (Arena a : l.copies) {
                if (a != null) resident++;
            }
            out.add(new LayerStats(l.index, l.lookups, l.hits, resident));
        }
        return out;
    }

    /** The experts of layer {@code index} that are resident now, ascending. */
    List<Integer> residentExperts(int index) {
        Layer l = layer(index);
        List<Integer> out = new ArrayList<>();
        for (int e = 0; e < l.copies.length; e++) {
            if (l.copies[e] != null) out.add(e);
        }
        return out;
    }

    /** Bytes of the resident copies. */
    public synchronized long residentBytes() {
        long bytes = 0;
        for (Layer l : layers) {
            for (int e = 0; e < l.live.length; e++) {
                if (l.copies[e] != null) bytes += ModelWeights.mlpBytes(l.live[e]);
            }
        }
        return bytes;
    }

    /** Puts every expert back to its view of the file and frees the copies; the model then reads the file only. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Layer l : layers) {
            for (int e = 0; e < l.live.length; e++) {
                if (l.copies[e] != null) {
                    l.live[e] = l.mapped[e];
                    l.copies[e].close();
                    l.copies[e] = null;
                }
            }
        }
    }
}
