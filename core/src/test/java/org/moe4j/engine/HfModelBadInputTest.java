package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.io.TensorInfo;

/** Model folders that are broken or ask for what the engine does not implement: one clear message each. */
class HfModelBadInputTest {
    static final Path CASE = Path.of("src/test/resources/models/qwen3_moe_bf16");

    @TempDir
    Path tmp;

    private Path copyCase() throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors")) {
            Files.copy(CASE.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    private static void editConfig(Path dir, java.util.function.Consumer<Map<String, Object>> edit) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> c = new LinkedHashMap<>((Map<String, Object>) Json.parse(Files.readString(dir.resolve("config.json"))));
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), Json.write(c));
    }

    private static String failure(Path dir) {
        Exception e = assertThrows(Exception.class, () -> HfModel.load(dir).close());
        assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, "a checked or argument error, got " + e);
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "message should mention " + p + ": " + message);
    }

    @Test
    void noWeightsAtAll() throws IOException {
        Path dir = copyCase();
        Files.delete(dir.resolve("model.safetensors"));
        assertMentions(failure(dir), "no weights", "model.safetensors", "model.safetensors.index.json");
    }

    @Test
    void truncatedWeights() throws IOException {
        Path dir = copyCase();
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertMentions(failure(dir), "model.safetensors");
    }

    @Test
    void indexNamesAMissingShard() throws IOException {
        Path dir = copyCase();
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"model.embed_tokens.weight\":\"model-00002-of-00002.safetensors\"}}");
        assertMentions(failure(dir), "model-00002-of-00002.safetensors", "not in");
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes() throws IOException {
        Path dir = copyCase();
        editConfig(dir, c -> c.put("architectures", List.of("JambaForCausalLM")));
        assertMentions(failure(dir), "JambaForCausalLM", "not supported", "MixtralForCausalLM", "DeepseekV3ForCausalLM", "GptOssForCausalLM");
    }

    @Test
    void unsupportedRopeType() throws IOException {
        Path dir = copyCase();
        editConfig(dir, c -> c.put("rope_parameters", Map.of("rope_type", "dynamic", "rope_theta", 10000.0, "factor", 2.0)));
        assertMentions(failure(dir), "rope type", "dynamic", "yarn");
    }

    @Test
    void unsupportedActivation() throws IOException {
        Path dir = copyCase();
        editConfig(dir, c -> c.put("hidden_act", "gelu"));
        assertMentions(failure(dir), "hidden_act", "gelu", "silu");
    }

    @Test
    void quantisedCheckpoint() throws IOException {
        Path dir = copyCase();
        editConfig(dir, c -> c.put("quantization_config", Map.of("quant_method", "awq", "bits", 4)));
        assertMentions(failure(dir), "quantization_config", "awq");
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = copyCase();
        rewriteWeights(dir, (name, info) -> name.equals("model.layers.1.mlp.experts.3.up_proj.weight") ? null : info.shape());
        assertMentions(failure(dir), "model.layers.1.mlp.experts.3.up_proj.weight", "missing", "expected shape");
    }

    @Test
    void tensorOfTheWrongShape() throws IOException {
        Path dir = copyCase();
        rewriteWeights(dir, (name, info) -> name.equals("model.layers.0.self_attn.k_proj.weight")
                ? new long[] {info.shape()[0] - 1, info.shape()[1]} : info.shape());
        assertMentions(failure(dir), "model.layers.0.self_attn.k_proj.weight", "has shape", "expected");
    }

    @Test
    void shardedFolderGivesTheSameLogitsAsOneFile() throws IOException {
        Path dir = copyCase();
        float[] single = logits(dir);
        // split the tensors over two shards with an index, as save_pretrained does for large models
        Map<String, String> weightMap = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
            List<String> names = new ArrayList<>(f.names());
            SafeTensorsWriter[] shards = {new SafeTensorsWriter(), new SafeTensorsWriter()};
            for (int i = 0; i < names.size(); i++) {
                int s = i < names.size() / 2 ? 0 : 1;
                shards[s].add(names.get(i), f.floats(names.get(i)), f.info(names.get(i)).dtype());
                weightMap.put(names.get(i), "model-0000" + (s + 1) + "-of-00002.safetensors");
            }
            shards[0].write(dir.resolve("model-00001-of-00002.safetensors"));
            shards[1].write(dir.resolve("model-00002-of-00002.safetensors"));
        }
        Files.delete(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)),
                StandardCharsets.UTF_8);
        assertArrayEquals(single, logits(dir));
    }

    private static float[] logits(Path dir) throws IOException {
        try (HfModel m = HfModel.load(dir)) {
            Sequence s = m.model().newSequence(8);
            return m.model().forward(List.of(s), List.of(new int[] {5, 17, 99, 3}), true, ForwardObserver.NONE);
        }
    }

    /** Rewrites model.safetensors with each tensor's shape as {@code shapeOf} says (null drops it), data cut or zero-filled. */
    private static void rewriteWeights(Path dir, java.util.function.BiFunction<String, TensorInfo, long[]> shapeOf) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("model.safetensors"))) {
            for (TensorInfo t : f.tensors()) {
                long[] shape = shapeOf.apply(t.name(), t);
                if (shape == null) continue;
                int[] s = Stream.of(shape).flatMapToLong(java.util.Arrays::stream).mapToInt(x -> (int) x).toArray();
                float[] data = java.util.Arrays.copyOf(f.floats(t.name()).data(), java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b));
                w.add(t.name(), org.moe4j.tensor.Tensor.of(data, s), t.dtype());
            }
        }
        w.write(dir.resolve("model.safetensors"));
    }
}
