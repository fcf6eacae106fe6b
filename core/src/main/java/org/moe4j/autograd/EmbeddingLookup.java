package org.moe4j.autograd;

import org.moe4j.kernel.GatherScatter;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Row lookup in an embedding table: out[i] = table[ids[i]]. Backward: dTable[ids[i]] += dOut[i]
 * (a scatter-add, so repeated ids accumulate).
 */
public final class EmbeddingLookup {
    private EmbeddingLookup() {}

    // table: (V, d)   ids: (n)   out: (n, d)
    public static Variable apply(Variable table, int[] ids) {
        Tensor t = table.value();
        Shape.requireRank("embedding", "table", t.shape(), 2);
        int vocab = t.dim(0);
        int d = t.dim(1);
        Tensor out = Tensor.zeros(ids.length, d);
        GatherScatter.gatherRows(t.data(), t.offset(), vocab, d, ids, 0, ids.length, out.data(), 0);
        return Variable.result("embedding", out, dOut -> {
            Tensor dt = Tensor.zeros(vocab, d);
            GatherScatter.scatterAddRows(dOut.data(), dOut.offset(), ids.length, d, null, 0, ids, 0, dt.data(), 0, vocab);
            table.accumulateOwnedGrad(dt);
        }, table);
    }
}
