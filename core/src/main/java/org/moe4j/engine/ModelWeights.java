package org.moe4j.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.Dense;
import org.moe4j.engine.ModelConfig.FastFeedForward;
import org.moe4j.engine.ModelConfig.HierarchicalMoe;
import org.moe4j.engine.ModelConfig.Moe;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.engine.WeightNames.ExpertLayout;
import org.moe4j.engine.WeightNames.Weight;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.TensorInfo;
import org.moe4j.io.TensorSource;
import org.moe4j.tensor.WeightMatrix;

/**
 * A model's weights, looked up by the family's names and checked against the shapes its config
 * implies. Matrices stay in the checkpoint's format and memory (views of the mapped files); only
 * vectors (norms, biases) are widened to float arrays. gpt-oss's fused experts, stored in x.W layout,
 * are the one exception: they are transposed once into off-heap memory of the same format.
 */
public final class ModelWeights {
    final WeightMatrix embed;        // (V, H)
    final WeightMatrix lmHead;       // (V, H), the embedding when tied
    final float[] finalNorm;         // (H)
    final Layer[] layers;
    private final Arena transposed;

    /** One decoder layer's weights; of dense, moe, hierarchical and tree, the one its feed-forward block is, the others null. */
    public record Layer(float[] inputNorm, float[] postNorm, Attention attention, Mlp dense, MoeWeights moe,
            HierarchicalWeights hierarchical, TreeWeights tree) {}

    /** Attention weights; the LATENT ones (qA..kvB) are null for GROUPED attention and vice versa. */
    public record Attention(WeightMatrix q, WeightMatrix k, WeightMatrix v, WeightMatrix o, float[] qBias, float[] kBias,
            float[] vBias, float[] oBias, float[] qNorm, float[] kNorm, float[] sinks,
            WeightMatrix qA, float[] qANorm, WeightMatrix qB, WeightMatrix kvA, float[] kvANorm, WeightMatrix kvB) {}

    /**
     * A gated MLP: down(act(gate x + gb) * (up x + ub)) + db; biases null when absent. gpt-oss stores
     * gate and up as one matrix with their rows interleaved (gate j at row 2j, up j at 2j + 1): then
     * {@code gateUp} (and {@code gateUpBias}) hold it and gate, up and their biases are null.
     */
    public record Mlp(WeightMatrix gate, WeightMatrix up, WeightMatrix down, float[] gateBias, float[] upBias, float[] downBias,
            WeightMatrix gateUp, float[] gateUpBias) {
        Mlp(WeightMatrix gate, WeightMatrix up, WeightMatrix down, float[] gateBias, float[] upBias, float[] downBias) {
            this(gate, up, down, gateBias, upBias, downBias, null, null);
        }

        /** The intermediate size. */
        public int size() {
            return gateUp != null ? gateUp.rows() / 2 : gate.rows();
        }
    }

    public record MoeWeights(WeightMatrix router, float[] routerBias, float[] selectionBias, Mlp[] experts, Mlp shared,
            float[] sharedGate) {}

    /** A hierarchical mixture: the group router (groups, H), each group's router (groupSize, H), the experts by flat index. */
    public record HierarchicalWeights(WeightMatrix groupRouter, WeightMatrix[] expertRouters, Mlp[] experts) {}

    /**
     * A fast feedforward tree: node n's weights as a one-row view (1, H) and its bias; each leaf's two
     * layers as row views of the stacked tensors, (l, H) and (H, l), with their biases (l) and (H).
     */
    public record TreeWeights(WeightMatrix[] nodes, float[] nodeBias, WeightMatrix[] leafIn, float[][] leafInBias, WeightMatrix[] leafOut,
            float[][] leafOutBias) {}

    private ModelWeights(WeightMatrix embed, WeightMatrix lmHead, float[] finalNorm, Layer[] layers, Arena transposed) {
        this.embed = embed;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.layers = layers;
        this.transposed = transposed;
    }

    /** The token embedding (V, H). */
    public WeightMatrix embed() {
        return embed;
    }

    /** The output projection (V, H): the embedding itself when they are tied. */
    public WeightMatrix lmHead() {
        return lmHead;
    }

    /** The final norm's weight (H); not a copy. */
    public float[] finalNorm() {
        return finalNorm;
    }

    /** The decoder layers' weights, in order. */
    public java.util.List<Layer> layers() {
        return java.util.List.of(layers);
    }

    /** Looks up and checks every weight; fails naming the first tensor that is missing or of the wrong shape. */
    public static ModelWeights load(TensorSource folder, ModelConfig c, WeightNames names) throws FileFormatException {
        Loader l = new Loader(folder);
        int H = c.hiddenSize();
        WeightMatrix embed = l.matrix(names.name(Weight.EMBED, 0), c.vocabSize(), H);
        WeightMatrix head = c.tieEmbeddings() ? embed : l.matrix(names.name(Weight.LM_HEAD, 0), c.vocabSize(), H);
        float[] norm = l.vector(names.name(Weight.FINAL_NORM, 0), H);
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            ModelConfig.LayerSpec spec = c.layers().get(i);
            Attention a = attention(l, names, c.attention(), H, i);
            Mlp dense = null;
            MoeWeights moe = null;
            HierarchicalWeights hierarchical = null;
            TreeWeights tree = null;
            switch (spec.feedForward()) {
                case Dense d -> dense = mlp(l, names, Weight.MLP_GATE, Weight.MLP_UP, Weight.MLP_DOWN, i, -1, H, d.intermediateSize());
                case Moe m -> moe = moe(l, names, m, H, i);
                case HierarchicalMoe h -> hierarchical = hierarchical(l, names, h, H, i);
                case FastFeedForward f -> tree = tree(l, names, f, H, i);
            }
            layers[i] = new Layer(l.vector(names.name(Weight.INPUT_NORM, i), H), l.vector(names.name(Weight.POST_ATTENTION_NORM, i), H),
                    a, dense, moe, hierarchical, tree);
        }
        return new ModelWeights(embed, head, norm, layers, l.arena);
    }

    private static Attention attention(Loader l, WeightNames n, AttentionSpec a, int H, int i) throws FileFormatException {
        int qDim = a.heads() * a.headDim();
        int kvDim = a.kvHeads() * a.headDim();
        if (a.kind() == AttentionKind.LATENT) {
            WeightMatrix q = null, qA = null, qB = null;
            float[] qANorm = null;
            if (a.qLoraRank() == 0) {
                q = l.matrix(n.name(Weight.Q, i), qDim, H);
            } else {
                qA = l.matrix(n.name(Weight.Q_A, i), a.qLoraRank(), H);
                qANorm = l.vector(n.name(Weight.Q_A_NORM, i), a.qLoraRank());
                qB = l.matrix(n.name(Weight.Q_B, i), qDim, a.qLoraRank());
            }
            int nope = a.headDim() - a.ropeDim();
            return new Attention(q, null, null, l.matrix(n.name(Weight.O, i), H, a.heads() * a.valueDim()), null, null, null, null,
                    null, null, null, qA, qANorm, qB, l.matrix(n.name(Weight.KV_A, i), a.kvLoraRank() + a.ropeDim(), H),
                    l.vector(n.name(Weight.KV_A_NORM, i), a.kvLoraRank()),
                    l.matrix(n.name(Weight.KV_B, i), a.heads() * (nope + a.valueDim()), a.kvLoraRank()));
        }
        int vDim = a.kvHeads() * a.valueDim();
        float[] qNorm = null, kNorm = null;
        if (a.qkNorm() == QkNorm.PER_HEAD) {
            qNorm = l.vector(n.name(Weight.Q_NORM, i), a.headDim());
            kNorm = l.vector(n.name(Weight.K_NORM, i), a.headDim());
        } else if (a.qkNorm() == QkNorm.WHOLE_PROJECTION) {
            qNorm = l.vector(n.name(Weight.Q_NORM, i), qDim);
            kNorm = l.vector(n.name(Weight.K_NORM, i), kvDim);
        }
        return new Attention(l.matrix(n.name(Weight.Q, i), qDim, H), l.matrix(n.name(Weight.K, i), kvDim, H),
                l.matrix(n.name(Weight.V, i), vDim, H), l.matrix(n.name(Weight.O, i), H, a.heads() * a.valueDim()),
                a.qkvBias() ? l.vector(n.name(Weight.Q_BIAS, i), qDim) : null,
                a.qkvBias() ? l.vector(n.name(Weight.K_BIAS, i), kvDim) : null,
                a.qkvBias() ? l.vector(n.name(Weight.V_BIAS, i), vDim) : null,
                a.outputBias() ? l.vector(n.name(Weight.O_BIAS, i), H) : null,
                qNorm, kNorm, a.sinks() ? l.vector(n.name(Weight.SINKS, i), a.heads()) : null,
                null, null, null, null, null, null);
    }

    private static Mlp mlp(Loader l, WeightNames n, Weight gate, Weight up, Weight down, int i, int e, int H, int I)
            throws FileFormatException {
        return new Mlp(l.matrix(n.name(gate, i, e), I, H), l.matrix(n.name(up, i, e), I, H), l.matrix(n.name(down, i, e), H, I),
                null, null, null);
    }

    private static MoeWeights moe(Loader l, WeightNames n, Moe m, int H, int i) throws FileFormatException {
        Routing r = m.routing();
        WeightMatrix router = l.matrix(n.name(Weight.ROUTER, i), m.numExperts(), H);
        float[] routerBias = r.routerBias() ? l.vector(n.name(Weight.ROUTER_BIAS, i), m.numExperts()) : null;
        float[] selectionBias = r.selectionBias() ? l.vector(n.name(Weight.SELECTION_BIAS, i), m.numExperts()) : null;
        int E = m.numExperts();
        int I = m.expertSize();
        Mlp[] experts = new Mlp[E];
        switch (n.expertLayout()) {
            case PER_EXPERT -> {
                for (int e = 0; e < E; e++) {
                    experts[e] = mlp(l, n, Weight.EXPERT_GATE, Weight.EXPERT_UP, Weight.EXPERT_DOWN, i, e, H, I);
                }
            }
            case GRANITE_FUSED -> {
                WeightMatrix in = l.matrix3(n.name(Weight.EXPERT_GATE, i), E, 2 * I, H);
                WeightMatrix out = l.matrix3(n.name(Weight.EXPERT_DOWN, i), E, H, I);
                for (int e = 0; e < E; e++) {
                    WeightMatrix both = in.rows(e * 2 * I, 2 * I);
                    experts[e] = new Mlp(both.rows(0, I), both.rows(I, I), out.rows(e * H, H), null, null, null);
                }
            }
            case STACKED -> {
                WeightMatrix gate = l.matrix3(n.name(Weight.EXPERT_GATE, i), E, I, H);
                WeightMatrix up = l.matrix3(n.name(Weight.EXPERT_UP, i), E, I, H);
                WeightMatrix down = l.matrix3(n.name(Weight.EXPERT_DOWN, i), E, H, I);
                float[] gb = m.expertBias() ? l.vector2(n.name(Weight.EXPERT_GATE_BIAS, i), E, I) : null;
                float[] ub = m.expertBias() ? l.vector2(n.name(Weight.EXPERT_UP_BIAS, i), E, I) : null;
                float[] db = m.expertBias() ? l.vector2(n.name(Weight.EXPERT_DOWN_BIAS, i), E, H) : null;
                for (int e = 0; e < E; e++) {
                    experts[e] = new Mlp(gate.rows(e * I, I), up.rows(e * I, I), down.rows(e * H, H),
                            gb == null ? null : Arrays.copyOfRange(gb, e * I, (e + 1) * I),
                            ub == null ? null : Arrays.copyOfRange(ub, e * I, (e + 1) * I),
                            db == null ? null : Arrays.copyOfRange(db, e * H, (e + 1) * H));
                }
            }
            case GPT_OSS_FUSED -> {
                // gate_up (2I rows interleaved) and down per expert: MXFP4 blocks and scales as the Hub ships them, or
                // unquantised (E, H, 2I) / (E, I, H) in x.W layout, transposed once into (out, in)
                String gateUp = n.name(Weight.EXPERT_GATE, i);
                String down = n.name(Weight.EXPERT_DOWN, i);
                float[] gateUpBias = l.vector2(n.name(Weight.EXPERT_GATE_UP_BIAS, i), E, 2 * I);
                float[] downBias = l.vector2(n.name(Weight.EXPERT_DOWN_BIAS, i), E, H);
                boolean mxfp4 = l.folder.has(gateUp + "_blocks");
                WeightMatrix gu = mxfp4 ? l.mxfp4(gateUp, E, 2 * I, H) : null;
                WeightMatrix dn = mxfp4 ? l.mxfp4(down, E, H, I) : null;
                WeightMatrix guDense = mxfp4 ? null : l.matrix3(gateUp, E, H, 2 * I);
                WeightMatrix dnDense = mxfp4 ? null : l.matrix3(down, E, I, H);
                for (int e = 0; e < E; e++) {
                    experts[e] = new Mlp(null, null, mxfp4 ? dn.rows(e * H, H) : l.transpose(dnDense.rows(e * I, I)), null, null,
                            Arrays.copyOfRange(downBias, e * H, (e + 1) * H),
                            mxfp4 ? gu.rows(e * 2 * I, 2 * I) : l.transpose(guDense.rows(e * H, H)),
                            Arrays.copyOfRange(gateUpBias, e * 2 * I, (e + 1) * 2 * I));
                }
            }
        }
        Mlp shared = m.sharedSize() > 0 ? mlp(l, n, Weight.SHARED_GATE, Weight.SHARED_UP, Weight.SHARED_DOWN, i, -1, H, m.sharedSize()) : null;
        float[] sharedGate = m.sharedGate() ? l.rowVector(n.name(Weight.SHARED_EXPERT_GATE, i), H) : null;
        return new MoeWeights(router, routerBias, selectionBias, experts, shared, sharedGate);
    }

    private static HierarchicalWeights hierarchical(Loader l, WeightNames n, HierarchicalMoe h, int H, int i)
            throws FileFormatException {
        WeightMatrix groupRouter = l.matrix(n.name(Weight.GROUP_ROUTER, i), h.groups(), H);
        WeightMatrix[] expertRouters = new WeightMatrix[h.groups()];
        for (int g = 0; g < h.groups(); g++) expertRouters[g] = l.matrix(n.name(Weight.GROUP_EXPERT_ROUTER, i, g), h.groupSize(), H);
        int E = h.routedExperts();
        int I = h.expertSize();
        // the experts stay the stacked tensors of the checkpoint; expert e is rows [e I, (e + 1) I) (down: [e H, (e + 1) H))
        WeightMatrix gate = l.matrix3(n.name(Weight.STACKED_EXPERT_GATE, i), E, I, H);
        WeightMatrix up = l.matrix3(n.name(Weight.STACKED_EXPERT_UP, i), E, I, H);
        WeightMatrix down = l.matrix3(n.name(Weight.STACKED_EXPERT_DOWN, i), E, H, I);
        Mlp[] experts = new Mlp[E];
        for (int e = 0; e < E; e++) experts[e] = new Mlp(gate.rows(e * I, I), up.rows(e * I, I), down.rows(e * H, H), null, null, null);
        return new HierarchicalWeights(groupRouter, expertRouters, experts);
    }

    private static TreeWeights tree(Loader l, WeightNames n, FastFeedForward f, int H, int i) throws FileFormatException {
        int N = f.nodes();
        int L = f.leaves();
        int w = f.leafWidth();
        WeightMatrix[] nodes = new WeightMatrix[N];
        float[] nodeBias = new float[0];
        if (N > 0) {
            WeightMatrix all = l.matrix(n.name(Weight.TREE_NODE, i), N, H);
            for (int node = 0; node < N; node++) nodes[node] = all.rows(node, 1);
            nodeBias = l.vector(n.name(Weight.TREE_NODE_BIAS, i), N);
        }
        // the leaves stay one stacked tensor each: leaf j is rows [j l, (j + 1) l) of (L l, H), [j H, (j + 1) H) of (L H, l)
        WeightMatrix in = l.matrix3(n.name(Weight.TREE_LEAF_IN, i), L, w, H);
        WeightMatrix out = l.matrix3(n.name(Weight.TREE_LEAF_OUT, i), L, H, w);
        float[] inBias = l.vector2(n.name(Weight.TREE_LEAF_IN_BIAS, i), L, w);
        float[] outBias = l.vector2(n.name(Weight.TREE_LEAF_OUT_BIAS, i), L, H);
        WeightMatrix[] leafIn = new WeightMatrix[L];
        WeightMatrix[] leafOut = new WeightMatrix[L];
        float[][] leafInBias = new float[L][];
        float[][] leafOutBias = new float[L][];
        for (int j = 0; j < L; j++) {
            leafIn[j] = in.rows(j * w, w);
            leafOut[j] = out.rows(j * H, H);
            leafInBias[j] = Arrays.copyOfRange(inBias, j * w, (j + 1) * w);
            leafOutBias[j] = Arrays.copyOfRange(outBias, j * H, (j + 1) * H);
        }
        return new TreeWeights(nodes, nodeBias, leafIn, leafInBias, leafOut, leafOutBias);
    }

    /**
     * Bytes of weights one token reads when decoded alone: every attention and router matrix, the k
     * experts it is routed to (the mean expert size of each layer), shared experts, dense MLPs, a
     * tree's depth node rows and one leaf, the LM head and one embedding row. Norms and biases are left out (they stay in cache). Divided by
     * the machine's read bandwidth, this is the memory roofline of batch-1 decoding.
     */
    public long bytesPerToken(ModelConfig config) {
        long bytes = embed.byteSize() / Math.max(1, embed.rows()) + lmHead.byteSize();
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            Attention a = layer.attention();
            for (WeightMatrix m : new WeightMatrix[] {a.q(), a.k(), a.v(), a.o(), a.qA(), a.qB(), a.kvA(), a.kvB()}) {
                if (m != null) bytes += m.byteSize();
            }
            if (layer.dense() != null) bytes += mlpBytes(layer.dense());
            if (layer.moe() != null) {
                MoeWeights m = layer.moe();
                bytes += m.router().byteSize();
                long experts = 0;
                for (Mlp e : m.experts()) experts += mlpBytes(e);
                int k = ((ModelConfig.Moe) config.layers().get(l).feedForward()).topK();
                bytes += experts * k / m.experts().length;
                if (m.shared() != null) bytes += mlpBytes(m.shared());
            }
            if (layer.hierarchical() != null) {
                HierarchicalWeights h = layer.hierarchical();
                HierarchicalMoe spec = (HierarchicalMoe) config.layers().get(l).feedForward();
                bytes += h.groupRouter().byteSize() + spec.groupTopK() * h.expertRouters()[0].byteSize();
                long experts = 0;
                for (Mlp e : h.experts()) experts += mlpBytes(e);
                bytes += experts * spec.pairsPerToken() / h.experts().length;
            }
            if (layer.tree() != null) {
                TreeWeights t = layer.tree();
                int depth = ((FastFeedForward) config.layers().get(l).feedForward()).depth();
                if (depth > 0) bytes += depth * t.nodes()[0].byteSize();
                bytes += t.leafIn()[0].byteSize() + t.leafOut()[0].byteSize();
            }
        }
        return bytes;
    }

    static long mlpBytes(Mlp m) {
        long b = m.down().byteSize();
        if (m.gateUp() != null) return b + m.gateUp().byteSize();
        return b + m.gate().byteSize() + m.up().byteSize();
    }

    /** Releases the off-heap copies (transposed experts); the mapped files belong to the folder. */
    public void close() {
        if (transposed != null) transposed.close();
    }

    /** Finds tensors, checks shape and dtype, makes views. */
    private static final class Loader {
        final TensorSource folder;
        Arena arena;

        Loader(TensorSource folder) {
            this.folder = folder;
        }

        /** Checks that the tensor is there with this row-major shape. */
        void check(String name, long... shape) throws FileFormatException {
            if (!folder.has(name)) {
                throw new FileFormatException(folder.location() + ": tensor " + Json.quoteForMessage(name) + " is missing (expected shape "
                        + Arrays.toString(shape) + ")");
            }
            long[] found = folder.shape(name);
            if (!Arrays.equals(found, shape)) {
                throw new FileFormatException(folder.location() + ": tensor " + Json.quoteForMessage(name) + " has shape "
                        + Arrays.toString(found) + ", expected " + Arrays.toString(shape));
            }
        }

        TensorInfo info(String name, long... shape) throws FileFormatException {
            check(name, shape);
            return folder.info(name);
        }

        WeightMatrix matrix(String name, int rows, int cols) throws FileFormatException {
            check(name, rows, cols);
            return new WeightMatrix(folder.bytes(name), folder.matrixFormat(name), rows, cols);
        }

        /** A 3-D tensor (n, rows, cols) as one matrix of n * rows rows. */
        WeightMatrix matrix3(String name, int n, int rows, int cols) throws FileFormatException {
            check(name, n, rows, cols);
            return new WeightMatrix(folder.bytes(name), folder.matrixFormat(name), Math.multiplyExact(n, rows), cols);
        }

        /** An MXFP4 matrix from NAME_blocks (n, rows, cols/32, 16) and NAME_scales (n, rows, cols/32), U8, as n * rows rows. */
        WeightMatrix mxfp4(String name, int n, int rows, int cols) throws FileFormatException {
            if (cols % WeightMatrix.MXFP4_BLOCK != 0) {
                throw new FileFormatException(folder.location() + ": " + name + " is MXFP4 but its " + cols
                        + " columns are not a multiple of 32");
            }
            TensorInfo blocks = info(name + "_blocks", n, rows, cols / 32, 16);
            TensorInfo scales = info(name + "_scales", n, rows, cols / 32);
            for (TensorInfo t : new TensorInfo[] {blocks, scales}) {
                if (t.dtype() != org.moe4j.io.DType.U8) {
                    throw new FileFormatException(folder.location() + ": tensor " + Json.quoteForMessage(t.name()) + " has dtype "
                            + t.dtype() + "; MXFP4 blocks and scales are U8");
                }
            }
            return WeightMatrix.mxfp4(folder.bytes(blocks.name()), folder.bytes(scales.name()), Math.multiplyExact(n, rows), cols);
        }

        float[] vector(String name, int n) throws FileFormatException {
            check(name, n);
            return folder.floats(name).data();
        }

        float[] vector2(String name, int a, int b) throws FileFormatException {
            check(name, a, b);
            return folder.floats(name).data();
        }

        /** A vector of n stored as [1, n] (a one-row Linear, as the Hub has it) or [n] (as GGUF has it). */
        float[] rowVector(String name, int n) throws FileFormatException {
            if (folder.has(name) && folder.shape(name).length == 1) return vector(name, n);
            return vector2(name, 1, n);
        }

        private MemorySegment allocate(long bytes) {
            if (arena == null) arena = Arena.ofShared();
            return arena.allocate(bytes, 64);
        }

        /** W^T in the same format: (rows, cols) -> (cols, rows). */
        WeightMatrix transpose(WeightMatrix w) {
            int b = w.format().bytes();
            MemorySegment out = allocate((long) w.rows() * w.cols() * b);
            for (int r = 0; r < w.rows(); r++) {
                for (int c = 0; c < w.cols(); c++) {
                    MemorySegment.copy(w.data(), ((long) r * w.cols() + c) * b, out, ((long) c * w.rows() + r) * b, b);
                }
            }
            return new WeightMatrix(out, w.format(), w.cols(), w.rows());
        }
    }
}
