package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void writesTheExactBytesTheSpecificationDescribes() {
        byte[] bytes = SafeTensors.writer()
                .add("w", Tensor.of(new float[] {1f, -2.5f}, 2))
                .addLongs("idx", new long[] {7}, 1)
                .metadata("format", "pt")
                .toBytes();
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"idx\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        int n = (json.length() + 7) / 8 * 8;
        ByteBuffer expected = ByteBuffer.allocate(8 + n + 16).order(ByteOrder.LITTLE_ENDIAN);
        expected.putLong(n).put(json.getBytes(StandardCharsets.US_ASCII));
        while (expected.position() < 8 + n) {
            expected.put((byte) ' ');
        }
        expected.putLong(7).putFloat(1f).putFloat(-2.5f);
        assertArrayEquals(expected.array(), bytes);
    }

    @Test
    void layoutDoesNotDependOnInsertionOrder() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
        Tensor b = Tensor.scalar(4);
        byte[] ab = SafeTensors.writer().add("a", a).add("b", b, DType.BF16).toBytes();
        byte[] ba = SafeTensors.writer().add("b", b, DType.BF16).add("a", a).toBytes();
        assertArrayEquals(ab, ba);
    }

    @Test
    void roundTripsEveryWritableDtypeThroughAFile() throws Exception {
        Rng rng = new Rng(3);
        Tensor w = Init.normal(Tensor.zeros(3, 5, 7), rng, 0, 1);
        Tensor view = Init.normal(Tensor.zeros(4, 6), rng, 0, 1).slice(1, 3);
        Path file = dir.resolve("m.safetensors");
        SafeTensors.writer()
                .add("w", w).add("view", view).add("w16", w, DType.F16).add("wbf", w, DType.BF16)
                .add("w64", w, DType.F64).add("scalar", Tensor.scalar(3.5f)).add("empty", Tensor.zeros(0, 4))
                .addLongs("idx", new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 2, 2)
                .addInts("ints", new int[] {Integer.MIN_VALUE, 5}, 2)
                .metadata("note", "héllo\n\"quoted\"").metadata("format", "pt")
                .write(file);
        assertEquals(0, (Files.size(file)) % 4, "data of 4-byte types stays aligned");
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertEquals(Map.of("note", "héllo\n\"quoted\"", "format", "pt"), f.metadata());
            assertEquals(List.of("note", "format"), List.copyOf(f.metadata().keySet()));
            assertArrayEquals(w.toArray(), f.floats("w").toArray());
            assertArrayEquals(new int[] {3, 5, 7}, f.floats("w").shape());
            assertArrayEquals(view.toArray(), f.floats("view").toArray(), "a view writes its own elements only");
            assertArrayEquals(w.toArray(), f.floats("w64").toArray());
            float[] w16 = f.floats("w16").toArray();
            float[] wbf = f.floats("wbf").toArray();
            for (int i = 0; i < w.size(); i++) {
                assertEquals(w.at(i), w16[i], Math.abs(w.at(i)) * 0x1p-11 + 0x1p-24, "F16 rounding error");
                assertEquals(w.at(i), wbf[i], Math.abs(w.at(i)) * 0x1p-8, "BF16 rounding error");
            }
            assertEquals(3.5f, f.floats("scalar").item());
            assertEquals(0, f.floats("scalar").rank());
            assertArrayEquals(new int[] {0, 4}, f.floats("empty").shape());
            assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, f.longs("idx"));
            assertArrayEquals(new int[] {Integer.MIN_VALUE, 5}, f.ints("ints"));
            assertEquals(DType.I64, f.info("idx").dtype());
            assertEquals(w.at(0), (float) f.doubles("w64")[0]);
            var overflow = assertThrows(IllegalArgumentException.class, () -> f.ints("idx"));
            assertTrue(overflow.getMessage().contains("outside the int range"), overflow.getMessage());
            var kind = assertThrows(IllegalArgumentException.class, () -> f.floats("idx"));
            assertTrue(kind.getMessage().contains("dtype I64") && kind.getMessage().contains("floats() reads"), kind.getMessage());
            var missing = assertThrows(IllegalArgumentException.class, () -> f.floats("nope"));
            assertTrue(missing.getMessage().contains("no tensor \"nope\"") && missing.getMessage().contains("\"w\""),
                    missing.getMessage());
        }
    }

    @Test
    void floatMapsRoundTripWithMetadata() throws Exception {
        Path p = dir.resolve("floats.safetensors");
        SafeTensors.write(p, Map.of("a", Tensor.full(1f, 2, 2), "b", Tensor.scalar(2f)), Map.of("k", "v"));
        Map<String, Tensor> all = SafeTensors.readFloats(p);
        assertEquals(List.of("a", "b"), List.copyOf(all.keySet()));
        assertArrayEquals(new float[] {1, 1, 1, 1}, all.get("a").toArray());
        assertArrayEquals(new int[] {2, 2}, all.get("a").shape());
        assertEquals(2f, all.get("b").item());
        try (SafeTensorsFile f = SafeTensors.open(p)) {
            assertEquals(Map.of("k", "v"), f.metadata());
        }
    }

    @Test
    void halfPrecisionConversionsMatchKnownBitPatterns() {
        // F16 (IEEE binary16): value <-> bits
        float[] f16Values = {1f, -2.5f, 0f, -0f, 65504f, 0x1p-24f, 0x1p-14f - 0x1p-24f, 0x1p-14f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.333251953125f};
        int[] f16Bits = {0x3C00, 0xC100, 0x0000, 0x8000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x3555};
        for (int i = 0; i < f16Values.length; i++) {
            assertEquals(f16Bits[i], HalfPrecision.floatToF16(f16Values[i]) & 0xFFFF, "F16 of " + f16Values[i]);
            assertEquals(f16Values[i], HalfPrecision.f16ToFloat((short) f16Bits[i]), "value of F16 bits " + f16Bits[i]);
        }
        assertEquals(0x7C00, HalfPrecision.floatToF16(65520f) & 0xFFFF, "rounds up to infinity");
        assertEquals(0x7BFF, HalfPrecision.floatToF16(65519f) & 0xFFFF, "rounds down to the largest finite");
        assertEquals(0x0000, HalfPrecision.floatToF16(0x1p-26f) & 0xFFFF, "underflows to zero");
        assertTrue(Float.isNaN(HalfPrecision.f16ToFloat((short) 0x7E00)));
        assertEquals(0x7C00, HalfPrecision.floatToF16(Float.NaN) & 0x7C00, "NaN keeps an all-ones exponent");
        assertNotEquals(0, HalfPrecision.floatToF16(Float.NaN) & 0x03FF, "and a non-zero fraction");

        // BF16: the top 16 bits of a float32, rounded to nearest even
        float[] bfValues = {1f, -2.5f, 0f, -0f, 0x1p-133f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3.140625f};
        int[] bfBits = {0x3F80, 0xC020, 0x0000, 0x8000, 0x0001, 0x7F80, 0xFF80, 0x4049};
        for (int i = 0; i < bfValues.length; i++) {
            assertEquals(bfBits[i], HalfPrecision.floatToBf16(bfValues[i]) & 0xFFFF, "BF16 of " + bfValues[i]);
            assertEquals(bfValues[i], HalfPrecision.bf16ToFloat((short) bfBits[i]), "value of BF16 bits " + bfBits[i]);
        }
        assertEquals(0x3F80, HalfPrecision.floatToBf16(1f + 0x1p-8f) & 0xFFFF, "tie rounds to even (down)");
        assertEquals(0x3F82, HalfPrecision.floatToBf16(1f + 0x3p-8f) & 0xFFFF, "tie rounds to even (up)");
        assertEquals(0x3F81, HalfPrecision.floatToBf16(1f + 0x1p-8f + 0x1p-20f) & 0xFFFF, "above the tie rounds up");
        assertEquals(0x7F80, HalfPrecision.floatToBf16(Float.MAX_VALUE) & 0xFFFF, "overflows to infinity");
        assertEquals(0x7FC0, HalfPrecision.floatToBf16(Float.NaN) & 0xFFFF);
        assertEquals(0x7FC0, HalfPrecision.floatToBf16(Float.intBitsToFloat(0xFFFF_FFFF)) & 0xFFFF, "any NaN -> quiet NaN");
        assertTrue(Float.isNaN(HalfPrecision.bf16ToFloat((short) 0x7FC1)));
    }

    @Test
    void everyF16AndBf16BitPatternSurvivesARoundTripThroughFloat() {
        for (int bits = 0; bits <= 0xFFFF; bits++) {
            short s = (short) bits;
            float f16 = HalfPrecision.f16ToFloat(s);
            if (!Float.isNaN(f16)) {
                assertEquals(bits, HalfPrecision.floatToF16(f16) & 0xFFFF, "F16 bits " + Integer.toHexString(bits));
            }
            float bf = HalfPrecision.bf16ToFloat(s);
            if (!Float.isNaN(bf)) {
                assertEquals(bits, HalfPrecision.floatToBf16(bf) & 0xFFFF, "BF16 bits " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void aFileLargerThanTheHeapOpensAtOnceAndLoadsLazily() throws Exception {
        long bigElements = 1L << 31; // 8 GiB of F32, twice the test heap
        String json = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + bigElements + "],\"data_offsets\":[0," + bigElements * 4
                + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + bigElements * 4 + ","
                + (bigElements * 4 + 8) + "]}}";
        byte[] header = json.getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve("huge.safetensors");
        long dataStart = 8 + header.length;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
            raf.write(head.array());
            raf.write(header);
            raf.setLength(dataStart + bigElements * 4 + 8); // sparse: takes no disk space
            raf.seek(dataStart + bigElements * 4);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-3f).array());
        }
        assertTrue(Files.size(file) > Runtime.getRuntime().maxMemory());
        long start = System.nanoTime();
        try (SafeTensorsFile f = SafeTensors.open(file)) {
            assertArrayEquals(new float[] {1.5f, -3f}, f.floats("tail").toArray());
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 2_000, "opening and reading the tail took " + millis + " ms");
            assertEquals(bigElements * 4, f.bytes("big").byteSize());
            assertEquals(0, f.bytes("big").get(java.lang.foreign.ValueLayout.JAVA_BYTE, bigElements * 4 - 1));
            var e = assertThrows(IllegalArgumentException.class, () -> f.floats("big"));
            assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
        }
    }

    @Test
    void narrowIntegerTypesWidenWithTheirSign() throws Exception {
        String json = "{\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[2,4]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[6,8]},"
                + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[12,14]},"
                + "\"f32\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[14,18]}}";
        byte[] data = {(byte) 0xFF, 1, (byte) 0xFF, 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 0, 0, 0, (byte) 0xC0, 0x3F};
        byte[] file = SafeTensorsValidationTest.withLength(json.length(),
                java.nio.ByteBuffer.allocate(json.length() + data.length).put(json.getBytes(StandardCharsets.US_ASCII)).put(data).array());
        try (SafeTensorsFile f = SafeTensorsFile.of(file, "ints")) {
            assertArrayEquals(new long[] {255, 1}, f.longs("u8"));
            assertArrayEquals(new long[] {-1, 1}, f.longs("i8"));
            assertArrayEquals(new long[] {65535}, f.longs("u16"));
            assertArrayEquals(new long[] {-1}, f.longs("i16"));
            assertArrayEquals(new long[] {4294967295L}, f.longs("u32"));
            assertArrayEquals(new int[] {1, 0}, f.ints("bool"));
            assertArrayEquals(new double[] {1.5}, f.doubles("f32"), "F32 widens to double");
            var e = assertThrows(IllegalArgumentException.class, () -> f.doubles("u8"));
            assertTrue(e.getMessage().contains("dtype U8; doubles() reads"), e.getMessage());
        }
    }

    @Test
    void closedFilesRefuseReads() throws Exception {
        Path file = dir.resolve("c.safetensors");
        SafeTensors.write(file, Map.of("a", Tensor.scalar(1)), Map.of());
        SafeTensorsFile f = SafeTensors.open(file);
        f.close();
        var e = assertThrows(IllegalStateException.class, () -> f.floats("a"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void writerRejectsBadInput() {
        SafeTensorsWriter w = SafeTensors.writer().add("a", Tensor.scalar(1));
        assertThrows(IllegalArgumentException.class, () -> w.add("a", Tensor.scalar(2)));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", Tensor.scalar(2)));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", Tensor.scalar(2), DType.I64));
        var e = assertThrows(IllegalArgumentException.class, () -> w.addLongs("c", new long[3], 2, 2));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("needs 4 values, got 3"), e.getMessage());
    }
}
