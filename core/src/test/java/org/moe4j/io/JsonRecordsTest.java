package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordsTest {
    enum Shape { ROUND, SQUARE }

    record Inner(int width, String label) {}

    record Sample(int topK, long seed, double learningRate, float normEps, boolean tieEmbeddings, String name, Shape shape,
                  Inner inner) {
        Sample {
            if (topK < 1) throw new IllegalArgumentException("sample: top_k is " + topK + ", must be >= 1");
        }
    }

    private static final Sample SAMPLE = new Sample(2, 7L, 0.5, 1e-5f, true, "x", Shape.SQUARE, new Inner(3, "y"));

    @Test
    void writesComponentsInOrderUnderSnakeCaseNames() {
        Map<String, Object> m = JsonRecords.toJson(SAMPLE);
        assertEquals(List.of("top_k", "seed", "learning_rate", "norm_eps", "tie_embeddings", "name", "shape", "inner"),
                List.copyOf(m.keySet()));
        assertEquals(2L, m.get("top_k"), "ints become JSON integers (Long), as the parser reads them");
        assertEquals((double) 1e-5f, m.get("norm_eps"), "floats widen exactly");
        assertEquals("SQUARE", m.get("shape"));
        assertEquals(Map.of("width", 3L, "label", "y"), m.get("inner"));
        assertEquals("{\"top_k\":2,\"seed\":7,\"learning_rate\":0.5,\"norm_eps\":9.999999747378752E-6,\"tie_embeddings\":true,"
                + "\"name\":\"x\",\"shape\":\"SQUARE\",\"inner\":{\"width\":3,\"label\":\"y\"}}", Json.write(m));
    }

    @Test
    void readsBackThroughTheCanonicalConstructor() {
        Object parsed = Json.parse(Json.write(JsonRecords.toJson(SAMPLE)));
        assertEquals(SAMPLE, JsonRecords.fromJson(Sample.class, (Map<?, ?>) parsed, "sample"));
        Map<String, Object> m = new LinkedHashMap<>(JsonRecords.toJson(SAMPLE));
        m.remove("seed");
        assertEquals(new Sample(2, 99L, 0.5, 1e-5f, true, "x", Shape.SQUARE, new Inner(3, "y")),
                JsonRecords.fromJson(Sample.class, m, "sample", Map.of("seed", 99L)), "given values fill what the file lacks");
    }

    @Test
    void badFieldsFailNamingTheFieldAndWhere() {
        Map<String, Object> m = new LinkedHashMap<>(JsonRecords.toJson(SAMPLE));
        m.remove("learning_rate");
        assertEquals("sample: field \"learning_rate\" is missing",
                assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(Sample.class, m, "sample")).getMessage());
        m.put("learning_rate", 0.5);
        m.put("shape", "oval");
        assertEquals("sample: field \"shape\" is \"oval\", allowed [ROUND, SQUARE]",
                assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(Sample.class, m, "sample")).getMessage());
        m.put("shape", "ROUND");
        m.put("top_k", 0L);
        assertEquals("sample: top_k is 0, must be >= 1",
                assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(Sample.class, m, "sample")).getMessage(),
                "the record's own check runs");
        m.put("top_k", 1.5);
        assertEquals("sample: field \"top_k\" is 1.5, must be an integer",
                assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(Sample.class, m, "sample")).getMessage());
        m.put("top_k", 1L);
        m.put("inner", Map.of("width", 1L));
        assertEquals("sample.inner: field \"label\" is missing",
                assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(Sample.class, m, "sample")).getMessage());
    }

    @Test
    void snakeCase() {
        assertEquals("top_k", JsonRecords.snakeCase("topK"));
        assertEquals("d_model", JsonRecords.snakeCase("dModel"));
        assertEquals("z_loss", JsonRecords.snakeCase("zLoss"));
        assertEquals("seed", JsonRecords.snakeCase("seed"));
    }
}
