package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One hostile or broken file per check, each failing with a clear one-line message. */
class SafeTensorsValidationTest {
    @TempDir
    Path dir;

    private static final String OK_ENTRY = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void validMinimalFilesOpen() throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.of(file("{" + OK_ENTRY + "}  ", 8), "t")) {
            assertEquals(1, f.names().size());
        }
        try (SafeTensorsFile f = SafeTensorsFile.of(file("{}", 0), "t")) {
            assertTrue(f.names().isEmpty());
        }
        String empties = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0, 3],\"data_offsets\":[8,8]}," + OK_ENTRY
                + ",\"z\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[0,0]}}";
        try (SafeTensorsFile f = SafeTensorsFile.of(file(empties, 8), "t")) {
            assertEquals(3, f.names().size(), "empty tensors may sit at either end of the data");
        }
    }

    @Test
    void tooShortOrAbsurdHeaderLengths() {
        fails(new byte[5], "the file is 5 bytes, too short");
        fails(withLength(-1, new byte[10]), "header length 18446744073709551615 exceeds the limit of 100000000");
        fails(withLength(200_000_000, new byte[10]), "exceeds the limit");
        fails(withLength(11, new byte[10]), "header length 11 runs past the end of the file (18 bytes");
        fails(withLength(0, new byte[0]), "the header is empty");
    }

    @Test
    void headerMustBeUtf8JsonObject() {
        fails(withLength(2, "[]".getBytes(StandardCharsets.US_ASCII)), "must start with '{' (0x7B), found byte 0x5B");
        fails(withLength(4, new byte[] {'{', '"', (byte) 0xC3, '}'}), "not valid JSON: JSON text is not valid UTF-8");
        fails(file("{\"a\":", 0), "not valid JSON: JSON error at 1:6");
        fails(file("{} {}", 0), "expected end of input");
        fails(file("{\"a\":1,\"a\":2}", 0), "duplicate key \"a\"");
        fails(file("{\"a\":" + "[".repeat(100_000), 0), "nesting deeper than");
    }

    @Test
    void tensorEntriesMustHaveValidFields() {
        fails(file("{\"a\":5}", 0), "tensor \"a\" must be an object with dtype, shape and data_offsets, found the integer 5");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[]}}", 0), "tensor \"a\" has no \"data_offsets\" field");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}", 4), "unknown field \"x\"");
        fails(file("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "unknown dtype \"F33\": allowed BOOL");
        fails(file("{\"a\":{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "dtype must be a string");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                "tensor \"a\": shape has the integer -1 at index 0; entries must be integers >= 0");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "shape has the number 1.5");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,4]}}", 4), "shape has a string \"2\"");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,4]}}", 4), "shape must be an array of integers");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999, 99999999999],\"data_offsets\":[0,4]}}", 4),
                "needs more than 2^63 bytes");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4), "must be [begin, end], found 1 numbers");
    }

    @Test
    void byteSizeMustMatchDtypeAndShape() {
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2, 3],\"data_offsets\":[0,20]}}", 20),
                "tensor \"a\": dtype F32 and shape [2, 3] need 24 bytes but data_offsets [0, 20] hold 20");
    }

    @Test
    void offsetsMustTileTheDataExactly() {
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8), "data_offsets [8, 4] are reversed");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 8),
                "data_offsets [4, 12] run past the end of the data (8 bytes after the header)");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensors \"a\" [0, 8) and \"b\" [4, 12) overlap");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "overlap");
        fails(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "data bytes [0, 4) belong to no tensor; the safetensors specification forbids holes");
        fails(file("{" + OK_ENTRY + "}", 12), "the last 4 data bytes (from offset 8) belong to no tensor");
    }

    @Test
    void truncatedDataIsReported() {
        byte[] whole = SafeTensors.writer().add("w", org.moe4j.tensor.Tensor.zeros(4, 4)).toBytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        fails(cut, "tensor \"w\": data_offsets [0, 64] run past the end of the data (61 bytes after the header)");
    }

    @Test
    void metadataValuesMustBeStrings() {
        fails(file("{\"__metadata__\":{\"k\":1}}", 0), "__metadata__ values must be strings; key \"k\" has the integer 1");
        fails(file("{\"__metadata__\":[\"k\"]}", 0), "__metadata__ must be an object of string values, found an array");
    }

    @Test
    void namesFromTheFileCannotBreakTheMessageOntoSeveralLines() {
        fails(file("{\"a\\nb\":{\"dtype\":\"X\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor \"a\\u000ab\"");
    }

    @Test
    void filesOnDiskAreCheckedTheSameWay() throws Exception {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, withLength(1000, new byte[10]));
        var e = assertThrows(FileFormatException.class, () -> SafeTensors.open(p));
        assertTrue(e.getMessage().startsWith(p + ": header length 1000 runs past the end"), e.getMessage());
        var folder = assertThrows(FileFormatException.class, () -> SafeTensors.open(dir));
        assertTrue(folder.getMessage().contains("is a folder, not a safetensors file"), folder.getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> SafeTensors.open(dir.resolve("missing")));
    }

    private static void fails(byte[] bytes, String expected) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> SafeTensorsFile.of(bytes, "test.safetensors"));
        assertTrue(e.getMessage().startsWith("test.safetensors: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    /** A file with header {@code json} (its true length) and {@code dataBytes} zero bytes of data. */
    static byte[] file(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        byte[] rest = new byte[h.length + dataBytes];
        System.arraycopy(h, 0, rest, 0, h.length);
        return withLength(h.length, rest);
    }

    static byte[] withLength(long headerLength, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).put(rest).array();
    }
}
