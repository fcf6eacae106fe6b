package org.moe4j.engine;

import java.util.List;
import org.moe4j.dist.Communicator;
import org.moe4j.kernel.RowSplit;
import org.moe4j.kernel.WeightProduct;

/**
 * The forward pass of a decoder-only model for inference, for any family the engine knows:
 * <pre>
 *   h = embed(tokens) * e
 *   for each layer:  h += r * attention(rmsnorm(h))      (appends keys/values to the caches)
 *                    h += r * feedForward(rmsnorm(h))    (MLP, experts grouped by token choice, or a tree's leaves)
 *   logits = lmHead(rmsnorm(h)) / l
 * </pre>
 * One call takes new tokens of several sequences at once (prefill, decode or both mixed), so every
 * weight is read once per step for all of them. Each row's result depends on its own sequence only
 * (the weight products are batch-invariant), so a sequence decodes to the same bits alone or batched.
 */
public final class DecoderModel {
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Attention[] attention;
    private final FeedForward[] feedForward;
    private final Workspace ws = new Workspace();

    public DecoderModel(ModelConfig config, ModelWeights weights) {
        this.config = config;
        this.weights = weights;
        int L = config.numLayers();
        this.attention = new Attention[L];
        this.feedForward = new FeedForward[L];
        for (int l = 0; l < L; l++) {
            ModelConfig.LayerSpec spec = config.layers().get(l);
            attention[l] = new Attention(config.attention(), weights.layers[l].attention(), l, spec.slidingWindow(), config.normEps());
            feedForward[l] = FeedForward.of(l, config.hiddenSize(), weights.layers[l], spec.feedForward());
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** As {@link #keepExpertsInRam(int)}, with as many experts per layer as {@code bytes} of copies hold. */
    public ExpertResidency keepExpertsWithin(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("memory for experts is " + bytes + " bytes, must be >= 0");
        long perExpert = 0;
        int moeLayers = 0;
        for (ModelWeights.Layer l : weights.layers) {
            if (l.moe() == null) continue;
            moeLayers++;
            long sum = 0;
            for (ModelWeights.Mlp e : l.moe().experts()) sum += ModelWeights.mlpBytes(e);
            perExpert = Math.max(perExpert, sum / l.moe().experts().length);
        }
        if (moeLayers == 0) throw new IllegalArgumentException(config.architecture() + " has no experts to keep in RAM");
        int most = 0;
        for (ModelWeights.Layer l : weights.layers) if (l.moe() != null) most = Math.max(most, l.moe().experts().length);
        return keepExpertsInRam((int) Math.min(most, bytes / (perExpert * moeLayers)));
    }

    /**
     * From now on keeps the {@code perLayer} most used experts of each MoE layer in RAM and reads the
     * others from the mapped file ({@link ExpertResidency}); close the result to free the copies.
     */
    public ExpertResidency keepExpertsInRam(int perLayer) {
        ExpertResidency r = new ExpertResidency(weights, perLayer);
        for (FeedForward f : feedForward) {
            if (f instanceof MixtureOfExperts m) m.residency = r;
        }
        return r;
    }

    /**
     * From now on this model is one rank of {@code group}, which serves it together: each MoE layer
     * runs the experts of this rank's contiguous range only and completes the others' outputs with
     * one all-gather per layer ({@link ExpertShard}); attention, routing, shared experts and dense
     * layers run on every rank. Every rank must then call {@link #forward} with the same sequences and
     * tokens in the same order; the logits are the single-process ones bit for bit. Refused unless
     * every MoE layer's experts divide evenly over the ranks.
     */
    public void splitExpertsOver(Communicator group) {
        int ranks = group.size();
        for (int l = 0; l < feedForward.length; l++) {
            int experts = switch (feedForward[l]) {
                case MixtureOfExperts m -> weights.layers[l].moe().experts().length;
                case HierarchicalExperts h -> weights.layers[l].hierarchical().experts().length;
                default -> 0;
            };
            if (experts % ranks != 0) {
                throw new IllegalArgumentException("layer " + l + " has " + experts + " experts, which do not split evenly over "
                        + ranks + " ranks: the number of ranks must divide the number of experts");
            }
        }
        ExpertShard shard = new ExpertShard(group);
        for (FeedForward f : feedForward) {
            if (f instanceof MixtureOfExperts m) m.shard = shard;
            if (f instanceof HierarchicalExperts h) h.shard = shard;
        }
    }

    /** Bytes of weights one token decoded alone reads (see {@link ModelWeights#bytesPerToken}). */
    public long weightBytesPerToken() {
        return weights.bytesPerToken(config);
    }

    /** Positions per block of a sequence's own pool ({@link #newSequence}). */
    static final int OWN_BLOCK_SIZE = 16;

    /** A new sequence whose caches hold up to {@code capacity} positions, in a pool of its own allocated now. */
    public Sequence newSequence(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("newSequence: capacity " + capacity + ", must be >= 1");
        }
        KvPool own = newPool((capacity + OWN_BLOCK_SIZE - 1) / OWN_BLOCK_SIZE, OWN_BLOCK_SIZE);
        Sequence s = own.newSequence(capacity);
        s.reserve(capacity);
        return s;
    }

    /** A pool of {@code blocks} blocks of {@code blockSize} positions for many sequences of this model (paged KV cache). */
    public KvPool newPool(int blocks, int blockSize) {
        return new KvPool(config.numLayers(), blocks, blockSize, Attention.keyWidth(config.attention()),
                Attention.valueWidth(config.attention()));
    }

    /**
     * Context shift, as llama.cpp does when a sequence's cache is full: forgets the oldest {@code drop}
     * positions in every layer, moves the rest to the front and re-rotates their keys for their new
     * positions, so decoding continues with room for {@code drop} more. The kept positions keep the
     * values computed while the dropped tokens were visible.
     */
    public void shiftContext(Sequence s, int drop) {
        if (drop < 0 || (drop > 0 && drop >= s.length())) {
            throw new IllegalArgumentException("shiftContext: cannot drop " + drop + " of the " + s.length()
                    + " positions the sequence holds; drop must be >= 0 and less than its length");
        }
        if (drop == 0) return;
        ModelConfig.AttentionSpec a = config.attention();
        int kw = Attention.keyWidth(a);
        s.dropOldest(drop, kw, Attention.valueWidth(a));
        Rope rope = a.rope();
        int heads = a.kvHeads();
        int ropeOffset = a.headDim() - rope.dims();
        for (float[] keys : s.pool.keys) {
            for (int p = 0; p < s.length(); p++) {
                for (int h = 0; h < heads; h++) rope.shift(keys, s.row(p) * kw + h * a.headDim() + ropeOffset, -drop);
            }
        }
    }

    /**
     * Runs {@code tokens.get(s)} through sequence s for every s (a list may be empty) and returns
     * logits: with {@code allRows}, one row per new token in order (sequence by sequence); otherwise
     * one row per sequence, for its last new token (zeros for a sequence that brought none). The
     * returned array is the model's own buffer (it may be longer than the rows): read or copy it
     * before the next call. One call at a time per model.
     */
    // returns (rows, V)
    public float[] forward(List<Sequence> sequences, List<int[]> tokens, boolean allRows, ForwardObserver observer) {
        int S = sequences.size();
        if (tokens.size() != S) {
            throw new IllegalArgumentException("forward: " + S + " sequences but " + tokens.size() + " token lists");
        }
        int T = 0;
        for (int s = 0; s < S; s++) {
            Sequence seq = sequences.get(s);
            int n = tokens.get(s).length;
            if (seq.length() + n > seq.capacity()) {
                throw new IllegalArgumentException("forward: sequence " + s + " holds " + seq.length() + " positions and brings " + n
                        + ", more than its capacity " + seq.capacity());
            }
            T += n;
        }
        for (int s = 0; s < S; s++) {
            Sequence seq = sequences.get(s);
            int n = tokens.get(s).length;
            if (!seq.reserve(seq.length() + n)) {
                throw new IllegalStateException("forward: sequence " + s + " needs " + seq.blocksNeeded(seq.length() + n)
                        + " more KV blocks, its pool has " + seq.pool.available() + " left");
            }
        }
        int[] ids = ws.ints(Workspace.IntBuffer.IDS, T);
        int[] rowSequence = ws.ints(Workspace.IntBuffer.ROW_SEQUENCE, T);
        int[] rowPosition = ws.ints(Workspace.IntBuffer.ROW_POSITION, T);
        int[] lastRow = ws.ints(Workspace.IntBuffer.LAST_ROW, S);
        for (int s = 0, t = 0; s < S; s++) {
            lastRow[s] = -1;
            for (int i = 0; i < tokens.get(s).length; i++, t++) {
                int id = tokens.get(s)[i];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("forward: token id " + id + " of sequence " + s + " is outside [0, "
                            + config.vocabSize() + ")");
                }
                ids[t] = id;
                rowSequence[t] = s;
                rowPosition[t] = sequences.get(s).length() + i;
                lastRow[s] = t;
            }
        }
        Rows rows = new Rows(T, ids, rowSequence, rowPosition);
        int H = config.hiddenSize();
        int V = config.vocabSize();
        ModelConfig.Scaling scaling = config.scaling();

        // h: (T, H)
        float[] h = ws.floats(Workspace.Buffer.HIDDEN, T * H);
        float[] angles = ws.floats(Workspace.Buffer.ROPE, T * config.attention().rope().dims());
        float[] normed = ws.floats(Workspace.Buffer.NORMED, T * H);
        float[] branch = ws.floats(Workspace.Buffer.BRANCH, T * H);
        // each row's embedding, its RoPE angles and the first layer's input norm, rows split over the threads
        resIds = ids;
        resPositions = rowPosition;
        resAngles = angles;
        resH = h;
        resNormed = normed;
        try {
            RowSplit.run(T, 2 * H + config.attention().rope().dims(), embedRows);
        } finally {
            resIds = resPositions = null;
            resAngles = resH = resNormed = null;
        }
        int L = config.numLayers();
        for (int l = 0; l < L; l++) {
            ModelWeights.Layer w = weights.layers[l];
            attention[l].forward(normed, rows, sequences, angles, branch, ws);
            residualNorm(T, h, branch, w.postNorm(), normed);
            feedForward[l].forward(normed, T, branch, observer, ws);
            // h += branch, then the next layer's input norm (or the final norm after the last layer)
            residualNorm(T, h, branch, l + 1 < L ? weights.layers[l + 1].inputNorm() : weights.finalNorm, normed);
        }
        for (int s = 0; s < S; s++) sequences.get(s).advance(tokens.get(s).length);
        observer.hiddenLast(h, T, H);
        observer.hiddenNormed(normed, T, H);

        int outRows = allRows ? T : S;
        float[] logits = ws.floats(Workspace.Buffer.LOGITS, outRows * V);
        if (allRows) {
            WeightProduct.multiply(normed, 0, T, weights.lmHead, logits, 0);
        } else {
            // the last row of each sequence (zeros for a sequence without new tokens), all in one product
            float[] last = ws.zeros(Workspace.Buffer.LAST_ROWS, S * H);
            for (int s = 0; s < S; s++) {
                if (lastRow[s] >= 0) System.arraycopy(normed, lastRow[s] * H, last, s * H, H);
            }
            WeightProduct.multiply(last, 0, S, weights.lmHead, logits, 0);
        }
        if (scaling.logitsDivisor() != 1f) {
            for (int i = 0; i < outRows * V; i++) logits[i] /= scaling.logitsDivisor();
        }
        return logits;
    }

    // the arguments of the running row loop (embedRows, residualNorm), read by its row tasks
    private float[] resH, resBranch, resNorm, resNormed, resAngles;
    private int[] resIds, resPositions;
    private final RowSplit.Range embedRows = this::embedRows;

    /**
     * Rows [from, to): h = the token's embedding times the family's scale, the RoPE angles of its position, and
     * normed = the first layer's input norm of h.
     */
    private void embedRows(int from, int to) {
        int H = config.hiddenSize();
        float scale = config.scaling().embedding();
        Rope rope = config.attention().rope();
        for (int t = from; t < to; t++) {
            weights.embed.row(resIds[t], resH, t * H);
            if (scale != 1f) {
                for (int i = 0; i < H; i++) resH[t * H + i] *= scale;
            }
            rope.angles(resPositions[t], resAngles, t * rope.dims());
        }
        Ops.rmsNorm(resH, from * H, weights.layers[0].inputNorm(), config.normEps(), resNormed, from * H, to - from, H);
    }

    /**
     * h += r * branch (branch null: nothing added), then normed = rmsNorm(h) times {@code norm}, for T rows:
     * one loop over the rows, split over the kernel threads in a batch ({@link RowSplit}); each row as alone.
     */
    // h, branch, normed: (T, H)
    private void residualNorm(int T, float[] h, float[] branch, float[] norm, float[] normed) {
        resH = h;
        resBranch = branch;
        resNorm = norm;
        resNormed = normed;
        try {
            RowSplit.run(T, 2 * config.hiddenSize(), residualNormRows);
        } finally {
            resH = resBranch = resNorm = resNormed = null;
        }
    }

    private final RowSplit.Range residualNormRows = this::residualNormRows;

    private void residualNormRows(int from, int to) {
        int H = config.hiddenSize();
        if (resBranch != null) {
            addScaled(resH, resBranch, from * H, to * H, config.scaling().residual());
        }
        Ops.rmsNorm(resH, from * H, resNorm, config.normEps(), resNormed, from * H, to - from, H);
    }

    private static void addScaled(float[] h, float[] branch, int from, int to, float scale) {
        if (scale == 1f) {
            for (int i = from; i < to; i++) h[i] += branch[i];
        } else {
            for (int i = from; i < to; i++) h[i] += branch[i] * scale;
        }
    }

    /** -log softmax(logits)[target] for one row of logits {@code [off, off + V)}, in double precision. */
    public static double negativeLogLikelihood(float[] logits, int off, int V, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < V; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < V; i++) sum += Math.exp(logits[off + i] - max);
        return Math.log(sum) + max - logits[off + target];
    }
}
