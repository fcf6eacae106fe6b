package org.moe4j.engine.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.moe4j.conformance.ModelCase;
import org.moe4j.engine.HfConfig;
import org.moe4j.engine.HfModel;

/**
 * Every whole-model case of transformers 5.18 (core/src/test/resources/models: eight MoE families in
 * float32 and bfloat16) written as a GGUF file (F32, lossless for both) and run from it: logits,
 * hidden states, router logits, chosen experts, loss and greedy ids must match transformers within the
 * case's own tolerances, as from the Hugging Face folder. This checks the mapping both ways at once:
 * GGUF names and metadata out, and back onto the same family; the q/k row permutation of llama and
 * granitemoe with interleaved RoPE; experts stacked per projection; gpt-oss's split gate and up.
 */
class GgufConformanceTest {
    @TempDir
    Path dir;

    static Stream<String> cases() throws Exception {
        try (Stream<Path> s = Files.list(Path.of("../core/src/test/resources/models"))) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    static Path toGguf(Path caseDir, Path out, QuantType type) throws Exception {
        try (HfModel hf = HfModel.load(caseDir)) {
            HfConfig c = new HfConfig(hf.folder().config(), caseDir + "/config.json");
            GgufExport.write(out, hf.config(), hf.weights(), GgufExport.ropeParameters(c), type, caseDir.getFileName().toString(), w -> { });
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reproducesTransformersFromGguf(String name) throws Exception {
        Path caseDir = Path.of("../core/src/test/resources/models").resolve(name);
        Path file = toGguf(caseDir, dir.resolve(name + ".gguf"), QuantType.F32);
        ModelCase.Result r;
        try (GgufModel g = GgufModel.load(file)) {
            r = ModelCase.run(g.model(), caseDir);
        }
        List<ModelCase.Line> lines = ModelCase.check(caseDir, r);
        String failures = ModelCase.failures(lines);
        assertTrue(failures.isEmpty(), name + ":" + failures);
        assertTrue(lines.stream().anyMatch(l -> l.name().equals("logits")), "logits compared");
        assertTrue(lines.stream().anyMatch(l -> l.name().startsWith("expert_idx.")), "routing compared");
    }
}
