package org.moe4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.ShardedSafeTensorsWriter.Spec;

/** Random checkpoints: Hub names and shapes per family, weights of the intended scale, seeded, and bad input refused. */
class RandomCheckpointTest {
    @TempDir
    Path dir;

    private static final String OLMOE = """
            {"architectures": ["OlmoeForCausalLM"], "hidden_size": 64, "intermediate_size": 32, "num_attention_heads": 4,
             "num_key_value_heads": 4, "num_hidden_layers": 3, "num_experts": 4, "num_experts_per_tok": 2, "vocab_size": 100,
             "tie_word_embeddings": false, "initializer_range": 0.02, "eos_token_id": 50279, "pad_token_id": 1,
             "torch_dtype": "float32"}""";
    private static final String QWEN3 = """
            {"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 64, "intermediate_size": 96, "moe_intermediate_size": 24,
             "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 16, "num_hidden_layers": 4, "num_experts": 4,
             "num_experts_per_tok": 2, "vocab_size": 100, "tie_word_embeddings": false, "decoder_sparse_step": 1,
             "mlp_only_layers": [2], "bos_token_id": 7, "eos_token_id": 8}""";

    @Test
    void olmoeHasPerExpertTensorsAndWholeProjectionQkNorms() throws Exception {
        Map<String, Spec> t = byName(RandomCheckpoint.tensors(config(OLMOE), DType.BF16));
        assertShape(t, "model.embed_tokens.weight", 100, 64);
        assertShape(t, "model.layers.2.self_attn.q_proj.weight", 64, 64);
        assertShape(t, "model.layers.2.self_attn.q_norm.weight", 64);
        assertShape(t, "model.layers.2.self_attn.k_norm.weight", 64);
        assertShape(t, "model.layers.0.mlp.gate.weight", 4, 64);
        assertShape(t, "model.layers.1.mlp.experts.3.gate_proj.weight", 32, 64);
        assertShape(t, "model.layers.1.mlp.experts.3.up_proj.weight", 32, 64);
        assertShape(t, "model.layers.1.mlp.experts.3.down_proj.weight", 64, 32);
        assertShape(t, "model.norm.weight", 64);
        assertShape(t, "lm_head.weight", 100, 64);
        // per layer: 2 norms, 4 projections, 2 q/k norms, router, 4 experts x 3
        assertEquals(1 + 3 * (2 + 4 + 2 + 1 + 12) + 2, t.size());
    }

    @Test
    void qwen3HasPerHeadQkNormsGroupedKvAndDenseMlpOnlyLayers() throws Exception {
        Map<String, Spec> t = byName(RandomCheckpoint.tensors(config(QWEN3), DType.BF16));
        assertShape(t, "model.layers.0.self_attn.q_proj.weight", 128, 64);
        assertShape(t, "model.layers.0.self_attn.k_proj.weight", 32, 64);
        assertShape(t, "model.layers.0.self_attn.o_proj.weight", 64, 128);
        assertShape(t, "model.layers.0.self_attn.q_norm.weight", 16);
        assertShape(t, "model.layers.0.self_attn.k_norm.weight", 16);
        assertShape(t, "model.layers.3.mlp.experts.0.down_proj.weight", 64, 24);
        assertShape(t, "model.layers.2.mlp.gate_proj.weight", 96, 64);
        assertFalse(t.containsKey("model.layers.2.mlp.gate.weight"), "layer 2 is in mlp_only_layers: dense");
    }

    @Test
    void writesALoadableFolderWithWeightsOfTheIntendedScale() throws Exception {
        Path cfg = Files.writeString(dir.resolve("cfg.json"), OLMOE);
        Path out = dir.resolve("model");
        var r = RandomCheckpoint.write(new RandomCheckpoint.Settings(cfg, out, 2, DType.BF16, 5, 60_000), line -> { });
        assertEquals(2, r.layers());
        assertTrue(r.shards() > 1, "several shards at 60 kB each");
        @SuppressWarnings("unchecked")
        var config = (Map<String, Object>) Json.parse(Files.readString(out.resolve("config.json")));
        assertEquals(2L, ((Number) config.get("num_hidden_layers")).longValue());
        assertEquals("bfloat16", config.get("torch_dtype"));
        @SuppressWarnings("unchecked")
        var generation = (Map<String, Object>) Json.parse(Files.readString(out.resolve("generation_config.json")));
        assertEquals(50279L, ((Number) generation.get("eos_token_id")).longValue());
        @SuppressWarnings("unchecked")
        var index = (Map<String, Object>) Json.parse(Files.readString(out.resolve("model.safetensors.index.json")));
        var map = (Map<?, ?>) index.get("weight_map");
        String expertFile = (String) map.get("model.layers.1.mlp.experts.2.down_proj.weight");
        try (SafeTensorsFile f = SafeTensors.open(out.resolve(expertFile))) {
            float[] w = f.floats("model.layers.1.mlp.experts.2.down_proj.weight").toArray();
            double mean = 0, sq = 0;
            for (float v : w) {
                mean += v;
                sq += (double) v * v;
            }
            mean /= w.length;
            double std = Math.sqrt(sq / w.length - mean * mean);
            assertEquals(0, mean, 0.002, "mean of 2048 weights");
            assertEquals(0.02, std, 0.002, "standard deviation");
        }
        String normFile = (String) map.get("model.layers.0.input_layernorm.weight");
        try (SafeTensorsFile f = SafeTensors.open(out.resolve(normFile))) {
            for (float v : f.floats("model.layers.0.input_layernorm.weight").toArray()) {
                assertTrue(v > 0.9 && v < 1.1, "norm weight " + v);
            }
        }
    }

    @Test
    void theSeedFixesEveryByte() throws Exception {
        Path cfg = Files.writeString(dir.resolve("cfg.json"), QWEN3);
        RandomCheckpoint.write(new RandomCheckpoint.Settings(cfg, dir.resolve("a"), 0, DType.BF16, 9, 1L << 30), line -> { });
        RandomCheckpoint.write(new RandomCheckpoint.Settings(cfg, dir.resolve("b"), 0, DType.BF16, 9, 1L << 30), line -> { });
        RandomCheckpoint.write(new RandomCheckpoint.Settings(cfg, dir.resolve("c"), 0, DType.BF16, 10, 1L << 30), line -> { });
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/model.safetensors"))));
    }

    @Test
    void badInputIsRefusedWithOneClearMessage() throws Exception {
        Path cfg = Files.writeString(dir.resolve("cfg.json"), OLMOE.replace("OlmoeForCausalLM", "GPT2LMHeadModel"));
        var arch = assertThrows(IllegalArgumentException.class, () -> RandomCheckpoint.write(
                new RandomCheckpoint.Settings(cfg, dir.resolve("x"), 0, DType.BF16, 1, 1 << 20), line -> { }));
        assertTrue(arch.getMessage().contains("GPT2LMHeadModel is not supported")
                && arch.getMessage().contains("OlmoeForCausalLM, Qwen3MoeForCausalLM, MixtralForCausalLM"), arch.getMessage());
        Path good = Files.writeString(dir.resolve("good.json"), OLMOE);
        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "x");
        var notEmpty = assertThrows(IllegalArgumentException.class, () -> RandomCheckpoint.write(
                new RandomCheckpoint.Settings(good, full, 0, DType.BF16, 1, 1 << 20), line -> { }));
        assertTrue(notEmpty.getMessage().contains("is not empty"), notEmpty.getMessage());
        Path noWidth = Files.writeString(dir.resolve("w.json"), OLMOE.replace("\"intermediate_size\": 32", "\"intermediate_size\": -3"));
        var width = assertThrows(IllegalArgumentException.class, () -> RandomCheckpoint.write(
                new RandomCheckpoint.Settings(noWidth, dir.resolve("y"), 0, DType.BF16, 1, 1 << 20), line -> { }));
        assertTrue(width.getMessage().contains("intermediate_size is -3, must be a positive integer"), width.getMessage());
        var dtype = assertThrows(IllegalArgumentException.class,
                () -> new RandomCheckpoint.Settings(good, dir.resolve("z"), 0, DType.I32, 1, 1 << 20));
        assertTrue(dtype.getMessage().contains("must be one of f32, f16, bf16"), dtype.getMessage());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> config(String json) {
        return (Map<String, Object>) Json.parse(json);
    }

    private static Map<String, Spec> byName(List<Spec> specs) {
        Map<String, Spec> m = new java.util.LinkedHashMap<>();
        for (Spec s : specs) m.put(s.name(), s);
        return m;
    }

    private static void assertShape(Map<String, Spec> t, String name, long... shape) {
        assertTrue(t.containsKey(name), "no tensor " + name + " among " + new ArrayList<>(t.keySet()).subList(0, 5) + "...");
        assertArrayEquals(shape, t.get(name).shape(), name);
    }
}
