package org.moe4j.engine;

import java.util.List;
import java.util.function.IntConsumer;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.Workspace.Buffer;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.QkNorm;
import org.moe4j.kernel.CachedAttention;
import org.moe4j.kernel.KernelPool;
import org.moe4j.kernel.ProductGroup;
import org.moe4j.kernel.RowSplit;

/**
 * Causal self-attention of one layer over the new rows of several sequences, each row attending to
 * its sequence's cached positions up to its own (and, in a sliding-window layer, only the last W).
 * Queries, keys and values come from one of two projections:
 * <ul>
 * <li>GROUPED: q = x Wq, k = x Wk, v = x Wv (+ biases), optionally q/k RMS-normed (per head as
 *     Qwen3, or over the whole projection as OLMoE) and clamped (OLMoE's clip_qkv), then RoPE;
 *     kvHeads key/value heads each serve heads / kvHeads query heads.</li>
 * <li>LATENT (DeepSeek's multi-head latent attention, DeepSeek-V2 paper section 2.1): q from x directly
 *     or through a normed low-rank path; one latent c = norm(x W_kvA[:r]) and one shared rotary key
 *     part k_pe = rope(x W_kvA[r:]) per position; per head k = [c W_kvB (nope part), k_pe],
 *     v = c W_kvB (value part). The cache holds the expanded keys and values.</li>
 * </ul>
 * gpt-oss adds a learned sink logit per head to every softmax, whose probability is dropped.
 */
final class Attention {
    private final AttentionSpec spec;
    private final ModelWeights.Attention w;
    private final int layer;
    private final int window;
    private final float eps;

    Attention(AttentionSpec spec, ModelWeights.Attention w, int layer, int window, float eps) {
        this.spec = spec;
        this.w = w;
        this.layer = layer;
        this.window = window;
        this.eps = eps;
    }

    /** Width of a cached key row and of a cached value row. */
    static int keyWidth(AttentionSpec a) {
        return a.kvHeads() * a.headDim();
    }

    static int valueWidth(AttentionSpec a) {
        return a.kvHeads() * a.valueDim();
    }

    /**
     * Appends the rows' keys and values to their sequences' caches and returns the attention output
     * projected back to the model width.
     */
    // x: (T, H) normed input   rope: (T, ropeDims) cos|sin per row   out: (T, H)
    void forward(float[] x, Rows rows, List<Sequence> sequences, float[] rope, float[] out, Workspace ws) {
        int T = rows.count();
        int qWidth = spec.heads() * spec.headDim();
        float[] q = ws.floats(Buffer.Q, T * qWidth);
        float[] k = ws.floats(Buffer.K, T * keyWidth(spec));
        float[] v = ws.floats(Buffer.V, T * valueWidth(spec));
        float[] attended = ws.floats(Buffer.ATTENDED, T * spec.heads() * spec.valueDim());
        // tasks of one row and a group of its heads (the row's visible cache rows are listed once per task); a row's
        // heads are split into groups only when there are too few rows to keep every thread busy
        int groups = Math.min(spec.heads(), Math.max(1, (4 * KernelPool.threads() + T - 1) / T));
        boolean grouped = spec.kind() != AttentionKind.LATENT;
        if (grouped) {
            // q, k and v as one parallel loop (ProductGroup), each exactly as its own product would be
            ProductGroup.begin().add(x, 0, T, w.q(), q, 0).add(x, 0, T, w.k(), k, 0).add(x, 0, T, w.v(), v, 0).run();
        } else {
            projectLatent(x, T, rope, q, k, v, ws);
        }
        stepQ = q;
        stepK = k;
        stepV = v;
        stepRope = rope;
        stepRows = rows;
        stepSequences = sequences;
        stepAttended = attended;
        stepGroups = groups;
        // a row that is its sequence's only new one (decoding) needs no other row's keys: its task prepares it first,
        // which saves a parallel loop per layer; otherwise every row is prepared and cached before any attends
        prepareInTask = grouped && groups == 1 && eachRowOnlyOfItsSequence(rows, sequences);
        try {
            if (!grouped) {
                writeCache(0, T, k, v, rows, sequences);
            } else if (!prepareInTask) {
                RowSplit.run(T, qWidth + keyWidth(spec) + valueWidth(spec), prepareRows);
            }
            KernelPool.parallelFor(T * groups, attendTask);
        } finally {
            stepQ = stepK = stepV = stepRope = stepAttended = null;
            stepRows = null;
            stepSequences = null;
        }
        Ops.linear(attended, T, w.o(), w.oBias(), out);
    }

    /** Whether each row is the first new position of its sequence, so that no two rows belong to one sequence. */
    private static boolean eachRowOnlyOfItsSequence(Rows rows, List<Sequence> sequences) {
        for (int t = 0; t < rows.count(); t++) {
            if (rows.position(t) != sequences.get(rows.sequence(t)).length()) return false;
        }
        return true;
    }

    // the arguments of the running forward, read by its row tasks
    private float[] stepQ, stepK, stepV, stepRope, stepAttended;
    private Rows stepRows;
    private List<Sequence> stepSequences;
    private int stepGroups;
    private boolean prepareInTask;
    private final RowSplit.Range prepareRows = this::prepareRows;
    private final IntConsumer attendTask = this::attendTask;

    /** Task i of the attention loop: row i / groups, its head group i % groups (prepared first when it is the row's task). */
    private void attendTask(int task) {
        int t = task / stepGroups;
        if (prepareInTask) prepareRows(t, t + 1);
        attend(t, task % stepGroups, stepGroups, stepQ, stepRows, stepSequences, stepAttended);
    }

    /**
     * Rows [from, to) of the grouped projections: biases, the family's q/k norms and clamps, RoPE, then the keys and
     * values written to their sequences' caches. Every step is row by row, so any split of the rows gives the same bits.
     */
    private void prepareRows(int from, int to) {
        float[] q = stepQ, k = stepK, v = stepV;
        int n = to - from;
        int hd = spec.headDim();
        int qw = spec.heads() * hd, kw = keyWidth(spec), vw = valueWidth(spec);
        Ops.addBias(q, from * qw, n, w.qBias());
        Ops.addBias(k, from * kw, n, w.kBias());
        Ops.addBias(v, from * vw, n, w.vBias());
        if (spec.qkNorm() == QkNorm.WHOLE_PROJECTION) {
            Ops.rmsNorm(q, from * qw, w.qNorm(), eps, q, from * qw, n, qw);
            Ops.rmsNorm(k, from * kw, w.kNorm(), eps, k, from * kw, n, kw);
        }
        if (spec.clipQkv() > 0) {
            Ops.clamp(q, from * qw, n * qw, spec.clipQkv());
            Ops.clamp(k, from * kw, n * kw, spec.clipQkv());
            Ops.clamp(v, from * vw, n * vw, spec.clipQkv());
        }
        if (spec.qkNorm() == QkNorm.PER_HEAD) {
            Ops.rmsNorm(q, from * qw, w.qNorm(), eps, q, from * qw, n * spec.heads(), hd);
            Ops.rmsNorm(k, from * kw, w.kNorm(), eps, k, from * kw, n * spec.kvHeads(), hd);
        }
        Rope r = spec.rope();
        int table = r.dims();
        for (int t = from; t < to; t++) {
            for (int h = 0; h < spec.heads(); h++) r.rotate(q, (t * spec.heads() + h) * hd, stepRope, t * table);
            for (int h = 0; h < spec.kvHeads(); h++) r.rotate(k, (t * spec.kvHeads() + h) * hd, stepRope, t * table);
        }
        writeCache(from, to, k, v, stepRows, stepSequences);
    }

    /** Rows [from, to)'s keys and values into their sequences' caches at their positions (distinct rows of the pool). */
    private void writeCache(int from, int to, float[] k, float[] v, Rows rows, List<Sequence> sequences) {
        int kw = keyWidth(spec), vw = valueWidth(spec);
        for (int t = from; t < to; t++) {
            Sequence s = sequences.get(rows.sequence(t));
            int row = s.row(rows.position(t));
            System.arraycopy(k, t * kw, s.pool.keys[layer], row * kw, kw);
            System.arraycopy(v, t * vw, s.pool.values[layer], row * vw, vw);
        }
    }

    private void projectLatent(float[] x, int T, float[] rope, float[] q, float[] k, float[] v, Workspace ws) {
        int heads = spec.heads();
        int hd = spec.headDim();
        int ropeDim = spec.ropeDim();
        int nope = hd - ropeDim;
        int r = spec.kvLoraRank();
        int vd = spec.valueDim();
        if (spec.qLoraRank() == 0) {
            Ops.linear(x, T, w.q(), null, q);
        } else {
            float[] qa = ws.floats(Buffer.Q_LATENT, T * spec.qLoraRank());
            Ops.linear(x, T, w.qA(), null, qa);
            Ops.rmsNorm(qa, 0, w.qANorm(), eps, qa, 0, T, spec.qLoraRank());
            Ops.linear(qa, T, w.qB(), null, q);
        }
        float[] compressed = ws.floats(Buffer.KV_COMPRESSED, T * (r + ropeDim));
        Ops.linear(x, T, w.kvA(), null, compressed);
        float[] latent = ws.floats(Buffer.KV_LATENT, T * r);
        for (int t = 0; t < T; t++) {
            Ops.rmsNorm(compressed, t * (r + ropeDim), w.kvANorm(), eps, latent, t * r, 1, r);
        }
        float[] kv = ws.floats(Buffer.KV_EXPANDED, T * heads * (nope + vd));
        Ops.linear(latent, T, w.kvB(), null, kv);
        Rope rp = spec.rope();
        int table = rp.dims();
        for (int t = 0; t < T; t++) {
            int pe = t * (r + ropeDim) + r;
            rp.rotate(compressed, pe, rope, t * table);
            for (int h = 0; h < heads; h++) {
                rp.rotate(q, (t * heads + h) * hd + nope, rope, t * table);
                int src = (t * heads + h) * (nope + vd);
                int kDst = (t * heads + h) * hd;
                System.arraycopy(kv, src, k, kDst, nope);
                System.arraycopy(compressed, pe, k, kDst + nope, ropeDim);
                System.arraycopy(kv, src + nope, v, (t * heads + h) * vd, vd);
            }
        }
    }

    /** Per-thread scratch of one row's attention: its scores and the pool rows of its visible positions (grown, never shrunk). */
    private static final class Scratch {
        float[] scores = new float[256];
        float[] second = new float[256];
        int[] rows = new int[256];

        void fit(int n) {
            if (scores.length < n) {
                scores = new float[Math.max(n, 2 * scores.length)];
                second = new float[scores.length];
                rows = new int[scores.length];
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Row t, heads of group g of {@code groups}: softmax(q.K^T * scale) V over the visible cached positions (found through the sequence's block table). */
    private void attend(int t, int g, int groups, float[] q, Rows rows, List<Sequence> sequences, float[] out) {
        Sequence s = sequences.get(rows.sequence(t));
        int p = rows.position(t);
        int from = window > 0 ? Math.max(0, p - window + 1) : 0;
        int heads = spec.heads();
        int vd = spec.valueDim();
        int vw = valueWidth(spec);
        float[] keys = s.pool.keys[layer];
        float[] values = s.pool.values[layer];
        int n = p - from + 1;
        Scratch scratch = SCRATCH.get();
        scratch.fit(n);
        float[] scores = scratch.scores;
        int[] at = scratch.rows;
        s.rows(from, n, at);
        int h = heads * g / groups;
        int end = heads * (g + 1) / groups;
        // two heads at a time: their weighted sums in one pass over the rows (the same bits as one head at a time)
        for (; h + 1 < end; h += 2) {
            float inv0 = headScores(h, t, q, keys, at, n, scores);
            float inv1 = headScores(h + 1, t, q, keys, at, n, scratch.second);
            CachedAttention.weightedSum2(scores, inv0, scratch.second, inv1, n, values, vw, kvHead(h) * vd, kvHead(h + 1) * vd, at,
                    vd, out, (t * heads + h) * vd, (t * heads + h + 1) * vd);
        }
        if (h < end) {
            float inv = headScores(h, t, q, keys, at, n, scores);
            CachedAttention.weightedSum(scores, inv, n, values, vw, kvHead(h) * vd, at, vd, out, (t * heads + h) * vd);
        }
    }

    private int kvHead(int h) {
        return h / (spec.heads() / spec.kvHeads());
    }

    /** Head h of row t: its scores over the n cached rows {@code at}, made exp(s - max); returns the softmax's 1 / sum. */
    private float headScores(int h, int t, float[] q, float[] keys, int[] at, int n, float[] scores) {
        int hd = spec.headDim();
        CachedAttention.scores(q, (t * spec.heads() + h) * hd, hd, keys, keyWidth(spec), kvHead(h) * hd, at, n, spec.scale(), scores);
        return CachedAttention.softmax(scores, n, w.sinks() != null ? w.sinks()[h] : Float.NEGATIVE_INFINITY);
    }
}
