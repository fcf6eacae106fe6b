package org.moe4j.engine.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.conformance.ModelCase;
import org.moe4j.io.gguf.GgmlType;
import org.moe4j.io.gguf.GgufFile;
import org.moe4j.io.gguf.GgufMetadata;
import org.moe4j.io.gguf.GgufTensor;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufWriter;

/**
 * The other layouts llama.cpp writes, made here from moe4j's own files of transformers cases and read
 * back, where the case must still pass: a DeepSeek-V2 file as the newer converter writes it (each kv_b
 * split into attn_k_b [heads, kvLora, nope], transposed per head, and attn_v_b [heads, v, kvLora], with
 * the absorbed attention's metadata: one key/value head of kv_lora_rank + rope, key_length_mla,
 * value_length_mla), and experts with gate and up concatenated in one ffn_gate_up_exps [E, 2I, H].
 */
class GgufLayoutsTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void splitLatentProjectionsAreJoinedBack() throws Exception {
        Path caseDir = Path.of("../core/src/test/resources/models/deepseek_v2_lite_f32");
        Path joined = GgufConformanceTest.toGguf(caseDir, dir.resolve("joined.gguf"), QuantType.F32);
        Path split = dir.resolve("split.gguf");
        try (GgufFile f = GgufFile.open(joined)) {
            GgufMetadata m = f.metadata();
            int heads = m.integer("deepseek2.attention.head_count");
            int kvLora = m.integer("deepseek2.attention.kv_lora_rank");
            int rope = m.integer("deepseek2.rope.dimension_count");
            int keyLength = m.integer("deepseek2.attention.key_length"), nope = keyLength - rope;
            int v = m.integer("deepseek2.attention.value_length");
            GgufWriter w = new GgufWriter();
            m.values().forEach((k, val) -> {
                switch (k) {
                    case "deepseek2.attention.key_length" -> w.metadata(k, GgufValue.uint32(kvLora + rope));
                    case "deepseek2.attention.value_length" -> w.metadata(k, GgufValue.uint32(kvLora));
                    case "deepseek2.attention.head_count_kv" -> w.metadata(k, GgufValue.uint32(1));
                    default -> w.metadata(k, val);
                }
            });
            w.metadata("deepseek2.attention.key_length_mla", GgufValue.uint32(keyLength));
            w.metadata("deepseek2.attention.value_length_mla", GgufValue.uint32(v));
            int splits = 0;
            for (GgufTensor t : f.tensors()) {
                if (!t.name().endsWith(".attn_kv_b.weight")) {
                    MemorySegment bytes = f.bytes(t.name());
                    w.tensor(t.name(), t.type(), t.ne(), out -> MemorySegment.copy(bytes, 0, out, 0, bytes.byteSize()));
                    continue;
                }
                float[] kvb = f.floats(t.name()).data(); // (heads (nope + v), kvLora)
                w.tensor(t.name().replace("attn_kv_b", "attn_k_b"), GgmlType.F32, new long[] {nope, kvLora, heads}, out -> {
                    for (int h = 0; h < heads; h++) {
                        for (int c = 0; c < kvLora; c++) {
                            for (int i = 0; i < nope; i++) {
                                out.setAtIndex(F32, ((long) h * kvLora + c) * nope + i, kvb[(h * (nope + v) + i) * kvLora + c]);
                            }
                        }
                    }
                });
                w.tensor(t.name().replace("attn_kv_b", "attn_v_b"), GgmlType.F32, new long[] {kvLora, v, heads}, out -> {
                    for (int h = 0; h < heads; h++) {
                        MemorySegment.copy(kvb, (h * (nope + v) + nope) * kvLora, out, F32, 4L * h * v * kvLora, v * kvLora);
                    }
                });
                splits++;
            }
            assertEquals(m.integer("deepseek2.block_count"), splits, "one kv_b per layer");
            w.write(split);
        }
        try (GgufFile f = GgufFile.open(split)) {
            assertFalse(f.has("blk.0.attn_kv_b.weight"));
            assertTrue(LatentKvSource.applies(f));
        }
        ModelCase.Result r;
        try (GgufModel g = GgufModel.load(split)) {
            r = ModelCase.run(g.model(), caseDir);
        }
        assertPasses(caseDir, r);
    }

    private static void assertPasses(Path caseDir, ModelCase.Result r) throws Exception {
        List<ModelCase.Line> lines = ModelCase.check(caseDir, r);
        for (ModelCase.Line l : lines) assertTrue(l.pass(), l.name() + ": max error " + l.maxAbsError() + ", " + l.detail());
        assertTrue(lines.stream().anyMatch(l -> l.name().equals("logits")));
    }

    @Test
    void gateAndUpConcatenatedInOneTensorAreRead() throws Exception {
        Path caseDir = Path.of("../core/src/test/resources/models/olmoe_top8of64_f32");
        Path stacked = GgufConformanceTest.toGguf(caseDir, dir.resolve("stacked.gguf"), QuantType.F32);
        Path fused = dir.resolve("fused.gguf");
        try (GgufFile f = GgufFile.open(stacked)) {
            GgufWriter w = new GgufWriter();
            f.metadata().values().forEach(w::metadata);
            for (GgufTensor t : f.tensors()) {
                if (t.name().endsWith(".ffn_up_exps.weight")) continue;
                if (t.name().endsWith(".ffn_gate_exps.weight")) {
                    long[] ne = t.ne(); // [H, I, E]
                    MemorySegment gate = f.bytes(t.name()), up = f.bytes(t.name().replace("gate_exps", "up_exps"));
                    long per = ne[0] * ne[1] * 4;
                    w.tensor(t.name().replace("gate_exps", "gate_up_exps"), t.type(), new long[] {ne[0], 2 * ne[1], ne[2]}, out -> {
                        for (long e = 0; e < ne[2]; e++) {
                            MemorySegment.copy(gate, e * per, out, 2 * e * per, per);
                            MemorySegment.copy(up, e * per, out, (2 * e + 1) * per, per);
                        }
                    });
                    continue;
                }
                MemorySegment bytes = f.bytes(t.name());
                w.tensor(t.name(), t.type(), t.ne(), out -> MemorySegment.copy(bytes, 0, out, 0, bytes.byteSize()));
            }
            w.write(fused);
        }
        try (GgufModel g = GgufModel.load(fused)) {
            assertFalse(g.file().has("blk.0.ffn_gate_exps.weight"));
            assertPasses(caseDir, ModelCase.run(g.model(), caseDir));
        }
    }
}
