package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.ShardedSafeTensorsWriter.Spec;

/** Shards written from chunks read back, through the project's reader, as the tensors and index they declare. */
class ShardedSafeTensorsWriterTest {
    @TempDir
    Path dir;

    // byte i of tensor t is (i * 7 + t.name().length()) mod 251: a pattern in which a misplaced chunk shows
    private static final ShardedSafeTensorsWriter.TensorSource PATTERN = (t, offset, out) -> {
        for (long i = offset; out.hasRemaining(); i++) {
            out.put((byte) ((i * 7 + t.name().length()) % 251));
        }
    };

    @Test
    void shardsHoldTheirTensorsAndTheIndexNamesThem() throws Exception {
        List<Spec> tensors = List.of(
                new Spec("a.weight", DType.BF16, new long[] {3, 5}),        // 30 bytes
                new Spec("b.weight", DType.F32, new long[] {4}),            // 16
                new Spec("big.weight", DType.F16, new long[] {2_200_000}),  // 4.4 MB: more than one chunk
                new Spec("c.norm", DType.F32, new long[] {2}));             // 8
        var shards = ShardedSafeTensorsWriter.write(dir, tensors, 100, PATTERN);
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), shards.stream().map(ShardedSafeTensorsWriter.Shard::file).toList());
        assertEquals(List.of("a.weight", "b.weight"), shards.get(0).tensors().stream().map(Spec::name).toList());
        assertEquals(List.of("big.weight"), shards.get(1).tensors().stream().map(Spec::name).toList());
        for (var shard : shards) {
            try (SafeTensorsFile f = SafeTensors.open(dir.resolve(shard.file()))) {
                assertEquals("pt", f.metadata().get("format"));
                assertEquals(0, f.headerLength() % 8, "header padded to 8 bytes");
                for (Spec t : shard.tensors()) {
                    TensorInfo info = f.info(t.name());
                    assertEquals(t.dtype(), info.dtype());
                    assertArrayEquals(t.shape(), info.shape());
                    var bytes = f.bytes(t.name());
                    assertEquals(t.bytes(), bytes.byteSize());
                    for (long i = 0; i < bytes.byteSize(); i += 997) {
                        assertEquals((byte) ((i * 7 + t.name().length()) % 251), bytes.get(ValueLayout.JAVA_BYTE, i),
                                t.name() + " byte " + i);
                    }
                }
            }
        }
        @SuppressWarnings("unchecked")
        var index = (Map<String, Object>) Json.parse(Files.readString(dir.resolve(ShardedSafeTensorsWriter.INDEX_FILE)));
        assertEquals(30L + 16 + 4_400_000 + 8, ((Number) ((Map<?, ?>) index.get("metadata")).get("total_size")).longValue());
        var map = (Map<?, ?>) index.get("weight_map");
        assertEquals(4, map.size());
        assertEquals("model-00002-of-00003.safetensors", map.get("big.weight"));
        assertEquals("model-00003-of-00003.safetensors", map.get("c.norm"));
        try (var left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".partial")), "no partial files left");
        }
    }

    @Test
    void oneShardIsModelSafetensorsWithoutAnIndex() throws Exception {
        var shards = ShardedSafeTensorsWriter.write(dir, List.of(new Spec("w", DType.F32, new long[] {2, 2})), 1 << 20, PATTERN);
        assertEquals("model.safetensors", shards.get(0).file());
        assertFalse(Files.exists(dir.resolve(ShardedSafeTensorsWriter.INDEX_FILE)));
        try (SafeTensorsFile f = SafeTensors.open(dir.resolve("model.safetensors"))) {
            assertEquals(16, f.bytes("w").byteSize());
            assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder(), "the test reads native order");
        }
    }

    @Test
    void badDeclarationsAndSourcesAreRefused() {
        var twice = assertThrows(IllegalArgumentException.class, () -> ShardedSafeTensorsWriter.plan(
                List.of(new Spec("w", DType.F32, new long[] {1}), new Spec("w", DType.F32, new long[] {1})), 100));
        assertTrue(twice.getMessage().contains("tensor w is declared twice"), twice.getMessage());
        var negative = assertThrows(IllegalArgumentException.class, () -> new Spec("w", DType.F32, new long[] {2, -1}));
        assertTrue(negative.getMessage().contains("dimensions must be >= 0"), negative.getMessage());
        var lazy = assertThrows(IllegalStateException.class, () -> ShardedSafeTensorsWriter.write(dir,
                List.of(new Spec("w", DType.F32, new long[] {4})), 100, (t, off, out) -> out.put((byte) 1)));
        assertTrue(lazy.getMessage().contains("left 15 bytes of tensor w unfilled"), lazy.getMessage());
        assertFalse(Files.exists(dir.resolve("model.safetensors")), "no file after a failed write");
    }
}
