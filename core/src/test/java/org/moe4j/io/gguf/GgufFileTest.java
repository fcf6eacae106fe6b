package org.moe4j.io.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.Json;

/**
 * The reader on a file gguf-py 0.19 wrote (scripts/make_gguf_fixtures.py): every metadata type and
 * value, tensor shapes, types and bytes; and the writer, which must reproduce that file byte for
 * byte from what the reader found.
 */
class GgufFileTest {
    @TempDir
    Path dir;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(GgufFileTest.class.getResource("/gguf/" + name).toURI());
    }

    @Test
    void readsEveryMetadataTypeAsGgufPyWroteIt() throws Exception {
        try (GgufFile f = GgufFile.open(fixture("quants.gguf"))) {
            assertEquals(3, f.header().version());
            assertEquals(32, f.header().alignment());
            GgufMetadata m = f.metadata();
            assertEquals("moe4j-fixture", m.string("general.architecture"));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> expected = (List<Map<String, Object>>) Json.parse(Files.readString(fixture("metadata.json")));
            assertEquals(16, expected.size());
            for (Map<String, Object> e : expected) {
                String key = (String) e.get("key");
                GgufValue v = m.get(key);
                assertEquals(e.get("type"), v.type().name(), key);
                assertEquals(e.get("element"), v.elementType() == null ? null : v.elementType().name(), key);
                assertEquals(canonical(e.get("value"), v.type()), canonical(v), key);
            }
            assertEquals(4_000_000_000L, m.longValue("test.u32"));
            assertEquals(-2_000_000_000, m.integer("test.i32"));
            assertArrayEquals(new int[] {1, -2, 3}, m.ints("test.ints"));
            assertArrayEquals(new String[] {"a", "", "\u0120the", "<|im_end|>"}, m.strings("test.strings"));
            assertEquals(0.1f, (float) m.number("test.f32"));
            assertTrue(m.bool("test.bool", false));
        }
    }

    /** The fixture's JSON value (integers as decimal strings) as text comparable with {@link #canonical(GgufValue)}. */
    private static String canonical(Object json, GgufValueType type) {
        if (json instanceof List<?> l) return l.stream().map(x -> canonical(x, null)).toList().toString();
        if (json instanceof Double d && type == GgufValueType.FLOAT32) return Float.toString(d.floatValue());
        if (json instanceof Double d) return Double.toString(d);
        return String.valueOf(json);
    }

    private static String canonical(GgufValue v) {
        return switch (v.value()) {
            case Long l -> v.type() == GgufValueType.UINT64 ? Long.toUnsignedString(l) : Long.toString(l);
            case long[] a -> Arrays.stream(a).mapToObj(Long::toString).toList().toString();
            case float[] a -> {
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < a.length; i++) sb.append(i > 0 ? ", " : "").append((double) a[i] == (double) (float) a[i]
                        ? Double.toString(roundTrip(a[i])) : "?");
                yield sb.append(']').toString();
            }
            case boolean[] a -> Arrays.toString(a);
            case String[] a -> Arrays.asList(a).toString();
            default -> String.valueOf(v.value());
        };
    }

    /** The shortest double that rounds to this float, as Python's JSON wrote the value it was given. */
    private static double roundTrip(float f) {
        return Double.parseDouble(Float.toString(f));
    }

    @Test
    void tensorsHaveTheirShapesTypesAndPlaces() throws Exception {
        try (GgufFile f = GgufFile.open(fixture("quants.gguf"))) {
            GgufTensor q4k = f.tensor("q4_k.blocks");
            assertEquals(GgmlType.Q4_K, q4k.type());
            assertArrayEquals(new long[] {1024, 4}, q4k.ne());
            assertArrayEquals(new long[] {4, 1024}, q4k.shape());
            assertEquals(16 * 144, q4k.byteSize());
            assertArrayEquals(new long[] {2, 3, 4}, f.shape("f16.rank3"));
            assertEquals(0, f.header().dataOffset() % 32);
            for (GgufTensor t : f.tensors()) assertEquals(0, t.offset() % 32, t.name());
            // the F16 tensor's values as gguf-py stored them, widened
            float[] h = f.floats("f16.rank3").data();
            MemorySegment raw = f.bytes("f16.rank3");
            for (int i = 0; i < h.length; i++) {
                assertEquals(Float.float16ToFloat(raw.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i)), h[i]);
            }
            assertThrows(IllegalArgumentException.class, () -> f.info("q4_k.blocks"), "a Q4_K tensor has no safetensors dtype");
            assertEquals(org.moe4j.io.DType.F32, f.info("q4_k.decoded").dtype());
        }
    }

    @Test
    void theWriterReproducesGgufPysFileByteForByte() throws Exception {
        byte[] original = Files.readAllBytes(fixture("quants.gguf"));
        try (GgufFile f = GgufFile.of(original, "fixture")) {
            GgufWriter w = new GgufWriter();
            f.metadata().values().forEach(w::metadata);
            for (GgufTensor t : f.tensors()) {
                MemorySegment bytes = f.bytes(t.name());
                w.tensor(t.name(), t.type(), t.ne(), out -> MemorySegment.copy(bytes, 0, out, 0, bytes.byteSize()));
            }
            assertArrayEquals(original, w.toBytes());
            Path file = dir.resolve("copy.gguf");
            w.write(file);
            assertArrayEquals(original, Files.readAllBytes(file));
            assertEquals(List.of("copy.gguf"), listing());
        }
    }

    private List<String> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void writtenMetadataReadsBackWithItsTypes() throws Exception {
        GgufWriter w = new GgufWriter()
                .metadata("general.alignment", GgufValue.uint32(64))
                .metadata("a.nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                        new GgufValue[] {GgufValue.int32s(new int[] {1, 2}), GgufValue.strings(new String[] {"x"})}))
                .metadata("a.f64s", new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {1.5, -0.0}))
                .metadata("a.i16", new GgufValue(GgufValueType.INT16, null, -5L))
                .tensor("t", GgmlType.F32, new long[] {3}, out -> out.fill((byte) 0))
                .tensor("u", GgmlType.Q8_0, new long[] {32, 2}, out -> out.fill((byte) 1));
        try (GgufFile f = GgufFile.of(w.toBytes(), "written")) {
            assertEquals(64, f.header().alignment());
            assertEquals(64, f.tensor("u").offset());
            assertEquals(68, f.tensor("u").byteSize());
            GgufValue nested = f.metadata().get("a.nested");
            assertEquals("ARRAY[ARRAY]", nested.typeName());
            assertEquals("[[1, 2], [\"x\"]]", nested.describe(10));
            assertEquals(new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT64, new double[] {1.5, -0.0}), f.metadata().get("a.f64s"));
            assertEquals(-5, f.metadata().integer("a.i16"));
        }
    }
}
