package org.moe4j.model;

import org.moe4j.io.JsonFields;
import org.moe4j.io.JsonRecords;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.tensor.Require;

/**
 * A decoder-only transformer in the Llama/Mixtral form: token embedding, layers of
 * (RMSNorm, causal self-attention with rotary embeddings and grouped-query heads, residual,
 * RMSNorm, feed-forward block, residual), final RMSNorm and a linear head. The feed-forward block
 * is chosen per layer ({@link #feedForward}: one spec per layer).
 */
public record TransformerConfig(int vocabSize, int dModel, int heads, int kvHeads, int contextLength, double ropeTheta,
                                float normEps, List<FeedForwardSpec> feedForward, boolean tieEmbeddings, long seed) {
    public static final int FORMAT_VERSION = 1;

    public TransformerConfig {
        String w = "transformer config";
        Require.that(vocabSize >= 1, w, "vocabSize", vocabSize, ">= 1");
        Require.that(dModel >= 2, w, "dModel", dModel, ">= 2");
        Require.that(heads >= 1 && dModel % heads == 0, w, "heads", heads, ">= 1 and dividing dModel " + dModel);
        Require.that((dModel / Math.max(1, heads)) % 2 == 0, w, "heads", heads, "such that dModel / heads is even (rotary embeddings)");
        Require.that(kvHeads >= 1 && heads % kvHeads == 0, w, "kvHeads", kvHeads, ">= 1 and dividing heads " + heads);
        Require.that(contextLength >= 1, w, "contextLength", contextLength, ">= 1");
        Require.that(ropeTheta > 0, w, "ropeTheta", ropeTheta, "> 0");
        Require.that(normEps > 0, w, "normEps", normEps, "> 0");
        if (feedForward == null || feedForward.isEmpty()) {
            throw new IllegalArgumentException("feedForward must list one spec per layer (at least one layer)");
        }
        feedForward = List.copyOf(feedForward);
    }

    /**
     * The default `moe4j train` shape around the given layers: width 256, 4 heads and 4 key/value
     * heads, context 128, rotary base 10,000, norm epsilon 1e-5, untied embeddings, seed 1. Change
     * what differs by name: {@code TransformerConfig.of(vocab, layers).withDModel(512).withHeads(8, 2)}.
     */
    public static TransformerConfig of(int vocabSize, List<FeedForwardSpec> layers) {
        return new TransformerConfig(vocabSize, 256, 4, 4, 128, 10000.0, 1e-5f, layers, false, 1);
    }

    public TransformerConfig withDModel(int width) {
        return new TransformerConfig(vocabSize, width, heads, kvHeads, contextLength, ropeTheta, normEps, feedForward, tieEmbeddings, seed);
    }

    /** Query heads and key/value heads (grouped-query attention when kvHeads < heads). */
    public TransformerConfig withHeads(int queryHeads, int keyValueHeads) {
        return new TransformerConfig(vocabSize, dModel, queryHeads, keyValueHeads, contextLength, ropeTheta, normEps, feedForward,
                tieEmbeddings, seed);
    }

    public TransformerConfig withContextLength(int positions) {
        return new TransformerConfig(vocabSize, dModel, heads, kvHeads, positions, ropeTheta, normEps, feedForward, tieEmbeddings, seed);
    }

    public TransformerConfig withTieEmbeddings(boolean tie) {
        return new TransformerConfig(vocabSize, dModel, heads, kvHeads, contextLength, ropeTheta, normEps, feedForward, tie, seed);
    }

    public TransformerConfig withSeed(long newSeed) {
        return new TransformerConfig(vocabSize, dModel, heads, kvHeads, contextLength, ropeTheta, normEps, feedForward, tieEmbeddings,
                newSeed);
    }

    public int layers() {
        return feedForward.size();
    }

    public int headDim() {
        return dModel / heads;
    }

    /** Parameters in total. */
    public long totalParameters() {
        long n = (long) vocabSize * dModel * (tieEmbeddings ? 1 : 2) + dModel;
        for (FeedForwardSpec f : feedForward) n += attentionParameters() + 2L * dModel + f.totalParameters(dModel);
        return n;
    }

    /** Parameters one token uses (embeddings counted once; inactive experts excluded). */
    public long activeParameters() {
        long n = (long) vocabSize * dModel * (tieEmbeddings ? 1 : 2) + dModel;
        for (FeedForwardSpec f : feedForward) n += attentionParameters() + 2L * dModel + f.activeParameters(dModel);
        return n;
    }

    /** Parameters of one attention layer: q and o projections [d, d], k and v [kvHeads * headDim, d]. */
    public long attentionParameters() {
        return 2L * dModel * dModel + 2L * dModel * (long) kvHeads * headDim();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format_version", (long) FORMAT_VERSION);
        m.putAll(JsonRecords.toJson(this));
        List<Object> ffn = new ArrayList<>();
        for (FeedForwardSpec f : feedForward) ffn.add(f.toJson());
        m.put("feed_forward", ffn);   // each spec with its kind, in its place among the fields
        return m;
    }

    public static TransformerConfig fromJson(Object json) {
        if (!(json instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException("transformer config must be a JSON object");
        }
        String where = "transformer config";
        long version = JsonFields.longValue(m, "format_version", where);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException(where + ": format_version is " + version + ", this moe4j reads version "
                    + FORMAT_VERSION + " (the run was written by an incompatible version)");
        }
        Object ffn = JsonFields.field(m, "feed_forward", where);
        if (!(ffn instanceof List<?> list)) {
            throw new IllegalArgumentException(where + ": field \"feed_forward\" must be a list of layer specs");
        }
        List<FeedForwardSpec> specs = new ArrayList<>();
        for (Object o : list) specs.add(FeedForwardSpec.fromJson(o));
        return JsonRecords.fromJson(TransformerConfig.class, m, where, Map.of("feed_forward", specs));
    }
}
