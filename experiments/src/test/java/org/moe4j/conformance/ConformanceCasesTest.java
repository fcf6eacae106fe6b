package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.io.TensorInfo;
import org.moe4j.tensor.Tensor;

/**
 * Opens the conformance cases (written by Python's safetensors, see experiments/src/test/resources/conformance)
 * with moe4j's reader: every tensor the metadata lists exists with a plausible dtype, the shapes
 * match the README, and the bytes decode to numbers that agree with each other.
 */
class ConformanceCasesTest {
    static Path folder() throws URISyntaxException {
        return Path.of(ConformanceCasesTest.class.getResource("/conformance/README.md").toURI()).getParent();
    }

    static List<Path> cases() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(folder())) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void everyListedTensorExistsWithAPlausibleDtype() throws Exception {
        List<Path> cases = cases();
        assertEquals(7, cases.size(), "cases in " + folder());
        for (Path p : cases) {
            try (SafeTensorsFile f = SafeTensors.open(p)) {
                assertEquals(0, f.headerLength() % 8, p + ": Python pads the header to a multiple of 8");
                List<String> listed = new ArrayList<>();
                for (String key : List.of("inputs", "expected", "reference_f64")) {
                    List<?> names = assertInstanceOf(List.class, Json.parse(f.metadata().get(key)), p + " " + key);
                    assertFalse(names.isEmpty(), p + " " + key);
                    names.forEach(n -> listed.add((String) n));
                }
                for (String name : listed) {
                    assertTrue(f.contains(name), p.getFileName() + " lists " + name + " but lacks it");
                    TensorInfo t = f.info(name);
                    boolean integer = name.contains("index") || name.equals("router_mask") || name.equals("dropped");
                    assertEquals(integer ? DType.I64 : DType.F32, t.dtype(), p.getFileName() + " " + name);
                    if (integer) {
                        for (long v : f.longs(name)) {
                            assertTrue(v >= 0 && v < 64, p.getFileName() + " " + name + " holds " + v);
                        }
                    } else {
                        for (float v : f.floats(name).data()) {
                            assertTrue(Float.isFinite(v), p.getFileName() + " " + name + " holds " + v);
                        }
                    }
                }
                assertEquals(f.names().size(), listed.size(), p.getFileName() + ": every tensor is listed once");
            }
        }
    }

    @Test
    void shapesAreThoseTheReadmeStates() throws Exception {
        try (SafeTensorsFile f = SafeTensors.open(folder().resolve("mixtral_moe_B2S16_d32_ffn64_E8_k2.safetensors"))) {
            assertShape(f, "x", 2, 16, 32);
            assertShape(f, "gate.weight", 8, 32);
            assertShape(f, "experts.w1.weight", 8, 64, 32);
            assertShape(f, "experts.w2.weight", 8, 32, 64);
            assertShape(f, "router_logits", 32, 8);
            assertShape(f, "expert_index", 32, 2);
            assertShape(f, "aux_loss");
            assertEquals("101", f.metadata().get("seed"));
        }
        try (SafeTensorsFile f = SafeTensors.open(folder().resolve("fff_depth3_T32_d16_leaf8_out12.safetensors"))) {
            assertShape(f, "x", 32, 16);
            assertShape(f, "node.weight", 7, 16);
            assertShape(f, "node.bias", 7);
            assertShape(f, "leaves.w1.weight", 8, 8, 16);
            assertShape(f, "leaves.w2.weight", 8, 12, 8);
            assertShape(f, "eval.leaf_index", 32);
            assertShape(f, "train.objective");
        }
    }

    /** router_logits = x @ gate.weight^T (README), recomputed in double from the decoded inputs. */
    @Test
    void decodedValuesAgreeWithEachOther() throws Exception {
        try (SafeTensorsFile f = SafeTensors.open(folder().resolve("mixtral_moe_B2S16_d32_ffn64_E8_k2.safetensors"))) {
            Tensor x = f.floats("x").reshape(32, 32);       // x: (T, d)
            Tensor gate = f.floats("gate.weight");          // gate: (E, d)
            Tensor logits = f.floats("router_logits");      // logits: (T, E)
            for (int t = 0; t < 32; t++) {
                for (int e = 0; e < 8; e++) {
                    double s = 0;
                    for (int i = 0; i < 32; i++) {
                        s += (double) x.get(t, i) * gate.get(e, i);
                    }
                    assertEquals(s, logits.get(t, e), 1e-5 + 1e-4 * Math.abs(s), "router_logits[" + t + ", " + e + "]");
                }
            }
            long[] index = f.longs("expert_index");         // index: (T, k) in descending probability
            for (int t = 0; t < 32; t++) {
                assertTrue(logits.get(t, (int) index[2 * t]) >= logits.get(t, (int) index[2 * t + 1]), "top-k order");
            }
        }
    }

    /** Re-writing a case with moe4j's writer and reading it back gives the same tensors and metadata. */
    @Test
    void casesSurviveARoundTripThroughTheWriter() throws Exception {
        for (Path p : cases()) {
            try (SafeTensorsFile f = SafeTensors.open(p)) {
                SafeTensorsWriter w = SafeTensors.writer();
                f.metadata().forEach(w::metadata);
                for (TensorInfo t : f.tensors()) {
                    if (t.dtype() == DType.I64) {
                        w.addLongs(t.name(), f.longs(t.name()), t.intShape());
                    } else {
                        w.add(t.name(), f.floats(t.name()));
                    }
                }
                byte[] bytes = w.toBytes();
                assertEquals(Files.size(p), bytes.length + (f.headerLength() - headerLength(bytes)), p + ": same data size");
                try (SafeTensorsFile back = SafeTensorsFile.of(bytes, "rewritten")) {
                    assertEquals(f.metadata(), back.metadata());
                    assertEquals(new TreeSet<>(f.names()), new TreeSet<>(back.names()));
                    for (TensorInfo t : f.tensors()) {
                        assertArrayEquals(t.shape(), back.info(t.name()).shape(), t.name());
                        assertArrayEquals(f.bytes(t.name()).toArray(ValueLayout.JAVA_BYTE),
                                back.bytes(t.name()).toArray(ValueLayout.JAVA_BYTE), t.name());
                    }
                }
            }
        }
    }

    private static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    private static void assertShape(SafeTensorsFile f, String name, long... shape) {
        assertArrayEquals(shape, f.info(name).shape(), name);
    }
}
