package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every whole-model case of transformers 5.18: the shared set (models/: logits, hidden states, routing, loss, greedy
 * ids) and this project's extra cases (models-extra/: logits, loss, greedy ids).
 */
class ModelConformanceTest {
    static final List<Path> ROOTS = List.of(Path.of("../core/src/test/resources/models"), Path.of("../core/src/test/resources/models-extra"));

    static Stream<String> cases() throws Exception {
        List<String> out = new java.util.ArrayList<>();
        for (Path root : ROOTS) {
            try (Stream<Path> s = Files.list(root)) {
                s.filter(Files::isDirectory).map(p -> root.getFileName() + "/" + p.getFileName()).sorted().forEach(out::add);
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reproducesTransformers(String name) throws Exception {
        Path dir = Path.of("../core/src/test/resources").resolve(name);
        ModelCase.Result r = ModelCase.run(dir);
        List<ModelCase.Line> lines = ModelCase.check(dir, r);
        String failures = ModelCase.failures(lines);
        assertTrue(failures.isEmpty(), name + ":" + failures);
        assertTrue(lines.stream().anyMatch(l -> l.name().equals("logits")), "logits compared");
        assertTrue(lines.stream().anyMatch(l -> l.name().equals("greedy_ids")), "greedy ids compared");
        if (name.startsWith("models/")) {
            assertTrue(lines.stream().anyMatch(l -> l.name().startsWith("expert_idx.")), "routing compared");
        }
        assertEquals(0, lines.stream().filter(l -> !l.pass()).count());
    }
}
