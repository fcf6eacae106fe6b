package org.moe4j.engine.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.moe4j.engine.EngineConfigException;
import org.moe4j.engine.ModelConfig;
import org.moe4j.engine.ModelConfig.AttentionKind;
import org.moe4j.engine.ModelConfig.AttentionSpec;
import org.moe4j.engine.ModelConfig.Moe;
import org.moe4j.engine.ModelWeights;
import org.moe4j.engine.Routing;
import org.moe4j.engine.WeightNames;
import org.moe4j.engine.WeightNames.Weight;
import org.moe4j.io.HalfPrecision;
import org.moe4j.io.gguf.GgmlType;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufWriter;
import org.moe4j.tensor.WeightMatrix;
import org.moe4j.tensor.quant.Quantizer;

/**
 * Writes a loaded model as a GGUF file that llama.cpp runs: llama.cpp's architecture, metadata keys
 * and tensor names ({@link GgufNames}), every matrix converted row by row to the type
 * {@link QuantType} gives it (rows quantised in parallel straight into the mapped output). What the
 * Hub stores differently from GGUF is rearranged as llama.cpp's converter does: a layer's experts
 * stacked into one [E, I, H] tensor per projection; the rows of q and k permuted per head for the
 * architectures llama.cpp rotates in interleaved pairs (pairs (i, i + d/2) become (2i, 2i + 1)); the
 * interleaved gate and up of gpt-oss split into two tensors. Models llama.cpp would run differently
 * (a renormalisation it does not do, dense layers where it expects experts) are refused by name.
 */
public final class GgufExport {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GgufExport() {}

    /** Adds metadata to a file being written (the tokenizer, the chat template). */
    @FunctionalInterface
    public interface Metadata {
        void addTo(GgufWriter w) throws IOException;
    }

    /** Rows of floats to write as one tensor (rows x cols), produced on demand. */
    private interface Rows {
        int rows();

        int cols();

        void row(int r, float[] dst);
    }

    /**
     * Writes {@code weights} of {@code config} to {@code out}.
     *
     * @param rope      the config's rope parameters (rope_theta, rope_type, factor, ...), as config.json has them
     * @param extra     adds further metadata (the tokenizer, the chat template) before the tensors
     */
    public static void write(Path out, ModelConfig config, ModelWeights weights, Map<String, Object> rope, QuantType type, String name,
                             Metadata extra) throws IOException {
        String arch = architecture(config);
        GgufWriter w = new GgufWriter();
        w.metadata("general.architecture", GgufValue.string(arch));
        w.metadata("general.name", GgufValue.string(name));
        w.metadata("general.file_type", GgufValue.uint32(type.fileType()));
        w.metadata("general.quantization_version", GgufValue.uint32(2));
        metadata(w, arch, config, rope);
        extra.addTo(w);
        tensors(w, arch, config, weights, type);
        w.write(out);
    }

    /** The GGUF architecture of a config, or the reason it has none llama.cpp would run the same way. */
    static String architecture(ModelConfig c) {
        String hf = c.architecture();
        String arch = switch (hf) {
            case "MixtralForCausalLM", "LlamaForCausalLM", "MistralForCausalLM" -> "llama";
            case "Qwen2MoeForCausalLM" -> "qwen2moe";
            case "Qwen3MoeForCausalLM" -> "qwen3moe";
            case "OlmoeForCausalLM" -> "olmoe";
            case "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM" -> "deepseek2";
            case "GptOssForCausalLM" -> "gpt-oss";
            case "GraniteMoeForCausalLM" -> "granitemoe";
            default -> throw new EngineConfigException(hf + " has no GGUF architecture moe4j writes (it writes "
                    + String.join(", ", GgufConfig.ARCHITECTURES) + ")");
        };
        Boolean renormalize = switch (arch) {
            case "qwen2moe", "olmoe" -> false;
            case "qwen3moe" -> true;
            default -> null;
        };
        for (int l = 0; l < c.numLayers(); l++) {
            ModelConfig.FeedForwardSpec ff = c.layers().get(l).feedForward();
            if (ff instanceof Moe m && renormalize != null && m.routing().renormalize() != renormalize) {
                throw new EngineConfigException(hf + ": norm_topk_prob is " + m.routing().renormalize() + ", but llama.cpp's " + arch
                        + " always runs with " + renormalize + "; a GGUF file of it would compute differently");
            }
            if (!(ff instanceof Moe) && (arch.equals("qwen2moe") || arch.equals("qwen3moe"))) {
                throw new EngineConfigException(hf + ": layer " + l + " is dense (mlp_only_layers / decoder_sparse_step); llama.cpp's "
                        + arch + " has experts in every layer");
            }
        }
        return arch;
    }

    private static void metadata(GgufWriter w, String arch, ModelConfig c, Map<String, Object> rope) {
        String p = arch + ".";
        AttentionSpec a = c.attention();
        int L = c.numLayers();
        w.metadata(p + "context_length", GgufValue.uint32(c.maxPositions()));
        w.metadata(p + "embedding_length", GgufValue.uint32(c.hiddenSize()));
        w.metadata(p + "block_count", GgufValue.uint32(L));
        w.metadata(p + "vocab_size", GgufValue.uint32(c.vocabSize()));
        w.metadata(p + "attention.head_count", GgufValue.uint32(a.heads()));
        w.metadata(p + "attention.head_count_kv", GgufValue.uint32(a.kvHeads()));
        w.metadata(p + "attention.layer_norm_rms_epsilon", GgufValue.float32(c.normEps()));
        w.metadata(p + "attention.key_length", GgufValue.uint32(a.headDim()));
        w.metadata(p + "attention.value_length", GgufValue.uint32(a.valueDim()));
        w.metadata(p + "rope.dimension_count", GgufValue.uint32(a.kind() == AttentionKind.LATENT ? a.ropeDim() : a.rope().dims()));
        ropeMetadata(w, p, rope, arch);
        Moe moe = null;
        int dense = 0, firstMoe = -1, window = 0;
        for (int l = 0; l < L; l++) {
            ModelConfig.LayerSpec s = c.layers().get(l);
            if (s.feedForward() instanceof Moe m) {
                moe = m;
                if (firstMoe < 0) firstMoe = l;
            } else if (s.feedForward() instanceof ModelConfig.Dense d) {
                dense = d.intermediateSize();
            }
            window = Math.max(window, s.slidingWindow());
        }
        w.metadata(p + "feed_forward_length", GgufValue.uint32(dense > 0 ? dense : moe == null ? 0 : moe.expertSize()));
        if (moe != null) {
            w.metadata(p + "expert_count", GgufValue.uint32(moe.numExperts()));
            w.metadata(p + "expert_used_count", GgufValue.uint32(moe.topK()));
            w.metadata(p + "expert_feed_forward_length", GgufValue.uint32(moe.expertSize()));
            Routing r = moe.routing();
            w.metadata(p + "expert_weights_norm", GgufValue.bool(r.renormalize()));
            w.metadata(p + "expert_weights_scale", GgufValue.float32(r.scalingFactor()));
            if (moe.sharedSize() > 0 && arch.equals("qwen2moe")) {
                w.metadata(p + "expert_shared_feed_forward_length", GgufValue.uint32(moe.sharedSize()));
            }
        }
        switch (arch) {
            case "deepseek2" -> {
                w.metadata(p + "leading_dense_block_count", GgufValue.uint32(Math.max(0, firstMoe)));
                w.metadata(p + "attention.q_lora_rank", GgufValue.uint32(a.qLoraRank()));
                w.metadata(p + "attention.kv_lora_rank", GgufValue.uint32(a.kvLoraRank()));
                if (moe != null) {
                    w.metadata(p + "expert_shared_count", GgufValue.uint32(moe.sharedSize() / moe.expertSize()));
                    boolean sigmoid = moe.routing().rule() == Routing.Rule.SIGMOID_GROUP_LIMITED;
                    w.metadata(p + "expert_gating_func", GgufValue.uint32(sigmoid ? 2 : 1));
                    w.metadata(p + "expert_group_count", GgufValue.uint32(moe.routing().groups()));
                    w.metadata(p + "expert_group_used_count", GgufValue.uint32(moe.routing().topGroups()));
                }
            }
            case "gpt-oss" -> {
                w.metadata(p + "attention.sliding_window", GgufValue.uint32(window));
                for (int l = 0; l < L; l++) {
                    if ((c.layers().get(l).slidingWindow() > 0) != (l % 2 == 0)) {
                        throw new EngineConfigException("GptOssForCausalLM: layer " + l + " breaks the alternation of sliding (even) and "
                                + "full (odd) layers that llama.cpp's gpt-oss assumes");
                    }
                }
            }
            case "granitemoe" -> {
                w.metadata(p + "embedding_scale", GgufValue.float32(c.scaling().embedding()));
                w.metadata(p + "residual_scale", GgufValue.float32(c.scaling().residual()));
                w.metadata(p + "logit_scale", GgufValue.float32(c.scaling().logitsDivisor()));
                w.metadata(p + "attention.scale", GgufValue.float32(a.scale()));
            }
            case "olmoe" -> {
                if (a.clipQkv() > 0) w.metadata(p + "attention.clamp_kqv", GgufValue.float32(a.clipQkv()));
            }
            case "llama" -> {
                if (window > 0) w.metadata(p + "attention.sliding_window", GgufValue.uint32(window));
            }
            default -> { }
        }
    }

    private static void ropeMetadata(GgufWriter w, String p, Map<String, Object> r, String arch) {
        w.metadata(p + "rope.freq_base", GgufValue.float32(number(r, "rope_theta", 10000)));
        String type = String.valueOf(r.getOrDefault("rope_type", r.getOrDefault("type", "default")));
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                w.metadata(p + "rope.scaling.type", GgufValue.string("linear"));
                w.metadata(p + "rope.scaling.factor", GgufValue.float32(number(r, "factor", 1)));
            }
            case "yarn" -> {
                w.metadata(p + "rope.scaling.type", GgufValue.string("yarn"));
                w.metadata(p + "rope.scaling.factor", GgufValue.float32(number(r, "factor", 1)));
                w.metadata(p + "rope.scaling.original_context_length", GgufValue.uint32((long) number(r, "original_max_position_embeddings", 0)));
                w.metadata(p + "rope.scaling.yarn_beta_fast", GgufValue.float32(number(r, "beta_fast", 32)));
                w.metadata(p + "rope.scaling.yarn_beta_slow", GgufValue.float32(number(r, "beta_slow", 1)));
                if (r.get("attention_factor") instanceof Number f) w.metadata(p + "rope.scaling.attn_factor", GgufValue.float32(f.floatValue()));
                if (Boolean.FALSE.equals(r.get("truncate"))) w.metadata(p + "rope.scaling.yarn_truncate", GgufValue.bool(false));
                if (arch.equals("deepseek2") && r.get("mscale_all_dim") instanceof Number m) {
                    w.metadata(p + "rope.scaling.yarn_log_multiplier", GgufValue.float32(0.1f * m.floatValue()));
                }
            }
            default -> throw new EngineConfigException("rope type " + type + " has no GGUF form moe4j writes (default, linear, yarn)");
        }
    }

    private static float number(Map<String, Object> m, String key, double fallback) {
        return m.get(key) instanceof Number n ? n.floatValue() : (float) fallback;
    }

    private static void tensors(GgufWriter w, String arch, ModelConfig c, ModelWeights mw, QuantType type) {
        WeightNames n = GgufNames.of(arch, false);
        int L = c.numLayers();
        boolean permute = GgufConfig.permutesQk(arch);
        AttentionSpec a = c.attention();
        matrix(w, n.name(Weight.EMBED, 0), rows(mw.embed()), type, -1, L);
        for (int l = 0; l < L; l++) {
            ModelWeights.Layer layer = mw.layers().get(l);
            vector(w, n.name(Weight.INPUT_NORM, l), layer.inputNorm());
            ModelWeights.Attention at = layer.attention();
            if (a.kind() == AttentionKind.GROUPED) {
                matrix(w, n.name(Weight.Q, l), permute ? permuted(rows(at.q()), a.heads()) : rows(at.q()), type, l, L);
                matrix(w, n.name(Weight.K, l), permute ? permuted(rows(at.k()), a.kvHeads()) : rows(at.k()), type, l, L);
                matrix(w, n.name(Weight.V, l), rows(at.v()), type, l, L);
                optionalVector(w, n.name(Weight.Q_BIAS, l), permute && at.qBias() != null ? permute(at.qBias(), a.heads()) : at.qBias());
                optionalVector(w, n.name(Weight.K_BIAS, l), permute && at.kBias() != null ? permute(at.kBias(), a.kvHeads()) : at.kBias());
                optionalVector(w, n.name(Weight.V_BIAS, l), at.vBias());
                optionalVector(w, n.name(Weight.Q_NORM, l), at.qNorm());
                optionalVector(w, n.name(Weight.K_NORM, l), at.kNorm());
                optionalVector(w, n.name(Weight.SINKS, l), at.sinks());
            } else {
                if (at.q() != null) {
                    matrix(w, n.name(Weight.Q, l), rows(at.q()), type, l, L);
                } else {
                    matrix(w, n.name(Weight.Q_A, l), rows(at.qA()), type, l, L);
                    vector(w, n.name(Weight.Q_A_NORM, l), at.qANorm());
                    matrix(w, n.name(Weight.Q_B, l), rows(at.qB()), type, l, L);
                }
                matrix(w, n.name(Weight.KV_A, l), rows(at.kvA()), type, l, L);
                vector(w, n.name(Weight.KV_A_NORM, l), at.kvANorm());
                matrix(w, n.name(Weight.KV_B, l), rows(at.kvB()), type, l, L);
            }
            matrix(w, n.name(Weight.O, l), rows(at.o()), type, l, L);
            optionalVector(w, n.name(Weight.O_BIAS, l), at.oBias());
            vector(w, n.name(Weight.POST_ATTENTION_NORM, l), layer.postNorm());
            if (layer.dense() != null) {
                ModelWeights.Mlp d = layer.dense();
                matrix(w, n.name(Weight.MLP_GATE, l), rows(d.gate()), type, l, L);
                matrix(w, n.name(Weight.MLP_UP, l), rows(d.up()), type, l, L);
                matrix(w, n.name(Weight.MLP_DOWN, l), rows(d.down()), type, l, L);
            }
            if (layer.moe() != null) experts(w, n, layer.moe(), type, l, L);
        }
        vector(w, n.name(Weight.FINAL_NORM, 0), mw.finalNorm());
        if (!c.tieEmbeddings()) matrix(w, n.name(Weight.LM_HEAD, 0), rows(mw.lmHead()), type, -1, L);
    }

    private static void experts(GgufWriter w, WeightNames n, ModelWeights.MoeWeights m, QuantType type, int l, int L) {
        matrix(w, n.name(Weight.ROUTER, l), rows(m.router()), type, l, L);
        optionalVector(w, n.name(Weight.ROUTER_BIAS, l), m.routerBias());
        optionalVector(w, n.name(Weight.SELECTION_BIAS, l), m.selectionBias());
        ModelWeights.Mlp[] e = m.experts();
        List<Rows> gate = new ArrayList<>(), up = new ArrayList<>(), down = new ArrayList<>();
        List<float[]> gateBias = new ArrayList<>(), upBias = new ArrayList<>(), downBias = new ArrayList<>();
        for (ModelWeights.Mlp x : e) {
            if (x.gateUp() != null) {
                // gpt-oss: gate j at row 2j, up j at 2j + 1
                gate.add(everyOther(rows(x.gateUp()), 0));
                up.add(everyOther(rows(x.gateUp()), 1));
                if (x.gateUpBias() != null) {
                    gateBias.add(everyOther(x.gateUpBias(), 0));
                    upBias.add(everyOther(x.gateUpBias(), 1));
                }
            } else {
                gate.add(rows(x.gate()));
                up.add(rows(x.up()));
                if (x.gateBias() != null) gateBias.add(x.gateBias());
                if (x.upBias() != null) upBias.add(x.upBias());
            }
            down.add(rows(x.down()));
            if (x.downBias() != null) downBias.add(x.downBias());
        }
        stacked(w, n.name(Weight.EXPERT_GATE, l), gate, type, l, L);
        stacked(w, n.name(Weight.EXPERT_UP, l), up, type, l, L);
        stacked(w, n.name(Weight.EXPERT_DOWN, l), down, type, l, L);
        if (!gateBias.isEmpty()) matrixF32(w, n.name(Weight.EXPERT_GATE_BIAS, l), gateBias);
        if (!upBias.isEmpty()) matrixF32(w, n.name(Weight.EXPERT_UP_BIAS, l), upBias);
        if (!downBias.isEmpty()) matrixF32(w, n.name(Weight.EXPERT_DOWN_BIAS, l), downBias);
        if (m.shared() != null) {
            matrix(w, n.name(Weight.SHARED_GATE, l), rows(m.shared().gate()), type, l, L);
            matrix(w, n.name(Weight.SHARED_UP, l), rows(m.shared().up()), type, l, L);
            matrix(w, n.name(Weight.SHARED_DOWN, l), rows(m.shared().down()), type, l, L);
        }
        optionalVector(w, n.name(Weight.SHARED_EXPERT_GATE, l), m.sharedGate());
    }

    private static Rows rows(WeightMatrix m) {
        return new Rows() {
            public int rows() {
                return m.rows();
            }

            public int cols() {
                return m.cols();
            }

            public void row(int r, float[] dst) {
                m.row(r, dst, 0);
            }
        };
    }

    /** Rows start, start + 2, ... of {@code m}. */
    private static Rows everyOther(Rows m, int start) {
        return new Rows() {
            public int rows() {
                return m.rows() / 2;
            }

            public int cols() {
                return m.cols();
            }

            public void row(int r, float[] dst) {
                m.row(2 * r + start, dst);
            }
        };
    }

    private static float[] everyOther(float[] v, int start) {
        float[] out = new float[v.length / 2];
        for (int i = 0; i < out.length; i++) out[i] = v[2 * i + start];
        return out;
    }

    /** Row 2i + j of each head of {@code m} is its row j d/2 + i (llama.cpp's permute of q and k). */
    private static int permutedRow(int r, int headDim) {
        int h = r / headDim, within = r % headDim, i = within / 2, j = within % 2;
        return h * headDim + j * (headDim / 2) + i;
    }

    private static Rows permuted(Rows m, int heads) {
        int d = m.rows() / heads;
        return new Rows() {
            public int rows() {
                return m.rows();
            }

            public int cols() {
                return m.cols();
            }

            public void row(int r, float[] dst) {
                m.row(permutedRow(r, d), dst);
            }
        };
    }

    private static float[] permute(float[] v, int heads) {
        float[] out = new float[v.length];
        int d = v.length / heads;
        for (int r = 0; r < v.length; r++) out[r] = v[permutedRow(r, d)];
        return out;
    }

    private static void vector(GgufWriter w, String name, float[] v) {
        w.tensor(name, GgmlType.F32, new long[] {v.length}, out -> MemorySegment.copy(v, 0, out, F32, 0, v.length));
    }

    private static void optionalVector(GgufWriter w, String name, float[] v) {
        if (v != null) vector(w, name, v);
    }

    /** Per-expert vectors of one length as an [E, n] F32 tensor. */
    private static void matrixF32(GgufWriter w, String name, List<float[]> perExpert) {
        int n = perExpert.getFirst().length;
        w.tensor(name, GgmlType.F32, new long[] {n, perExpert.size()}, out -> {
            for (int e = 0; e < perExpert.size(); e++) MemorySegment.copy(perExpert.get(e), 0, out, F32, 4L * e * n, n);
        });
    }

    private static void matrix(GgufWriter w, String name, Rows m, QuantType type, int layer, int layers) {
        GgmlType t = type.matrixType(name, layer, layers, m.cols());
        w.tensor(name, t, new long[] {m.cols(), m.rows()}, out -> fill(out, m, t));
    }

    /** Experts' matrices of one shape as one [E, rows, cols] tensor. */
    private static void stacked(GgufWriter w, String name, List<Rows> perExpert, QuantType type, int layer, int layers) {
        Rows first = perExpert.getFirst();
        int per = first.rows();
        Rows all = new Rows() {
            public int rows() {
                return per * perExpert.size();
            }

            public int cols() {
                return first.cols();
            }

            public void row(int r, float[] dst) {
                perExpert.get(r / per).row(r % per, dst);
            }
        };
        GgmlType t = type.matrixType(name, layer, layers, first.cols());
        w.tensor(name, t, new long[] {first.cols(), per, perExpert.size()}, out -> fill(out, all, t));
    }

    /** Every row converted to {@code t} at its place in {@code out}, rows spread over the common pool. */
    private static void fill(MemorySegment out, Rows m, GgmlType t) {
        int cols = m.cols();
        long rowBytes = t.bytes(cols);
        WeightMatrix.Format block = GgufFile.format(t);
        int chunk = Math.max(1, (1 << 16) / Math.max(1, cols));
        int chunks = (m.rows() + chunk - 1) / chunk;
        IntStream.range(0, chunks).parallel().forEach(k -> {
            float[] row = new float[cols];
            for (int r = k * chunk; r < Math.min(m.rows(), (k + 1) * chunk); r++) {
                m.row(r, row);
                long at = r * rowBytes;
                switch (t) {
                    case F32 -> MemorySegment.copy(row, 0, out, F32, at, cols);
                    case F16 -> {
                        for (int i = 0; i < cols; i++) out.set(I16, at + 2L * i, Float.floatToFloat16(row[i]));
                    }
                    case BF16 -> {
                        for (int i = 0; i < cols; i++) out.set(I16, at + 2L * i, HalfPrecision.floatToBf16(row[i]));
                    }
                    default -> Quantizer.row(block, row, 0, cols, out, at);
                }
            }
        });
    }

    /** The rope parameters of a config.json: rope_parameters (transformers 5) or rope_theta with rope_scaling (4). */
    public static Map<String, Object> ropeParameters(org.moe4j.engine.HfConfig c) {
        Map<String, Object> p = c.object("rope_parameters");
        if (p == null) p = c.object("rope_scaling");
        Map<String, Object> out = new java.util.LinkedHashMap<>(p == null ? Map.of() : p);
        if (!out.containsKey("rope_theta")) out.put("rope_theta", c.number("rope_theta", 10000.0));
        return out;
    }
}
