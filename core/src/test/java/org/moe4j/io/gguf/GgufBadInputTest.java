package org.moe4j.io.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;

/** Each way a GGUF file can be broken fails with one line naming the fault. */
class GgufBadInputTest {
    @TempDir
    Path dir;

    /** A GGUF file built field by field, so that any field can be wrong. */
    static final class Raw {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Raw u32(long v) {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
            return this;
        }

        Raw u64(long v) {
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
            return this;
        }

        Raw str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).bytes(b);
        }

        Raw bytes(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Raw header(long tensors, long kvs) {
            return u32(GgufHeader.MAGIC).u32(3).u64(tensors).u64(kvs);
        }

        /** A tensor info: name, ne, type, offset. */
        Raw tensor(String name, long[] ne, long type, long offset) {
            str(name).u32(ne.length);
            for (long d : ne) u64(d);
            return u32(type).u64(offset);
        }

        /** Zeros up to the next multiple of 32, then {@code n} data bytes. */
        Raw data(int n) {
            while (out.size() % 32 != 0) out.write(0);
            return bytes(new byte[n]);
        }

        byte[] build() {
            return out.toByteArray();
        }
    }

    static String failure(byte[] file) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> GgufFile.of(file, "bad.gguf").close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static byte[] valid() {
        return new Raw().header(2, 1).str("general.architecture").u32(8).str("llama")
                .tensor("a", new long[] {4, 2}, 0, 0).tensor("b", new long[] {32}, 8, 32).data(32 + 34).build();
    }

    @Test
    void theValidBaseOpens() throws Exception {
        try (GgufFile f = GgufFile.of(valid(), "ok.gguf")) {
            assertEquals(2, f.tensors().size());
            assertEquals("llama", f.metadata().string("general.architecture"));
        }
    }

    @Test
    void truncatedFiles() {
        byte[] v = valid();
        assertEquals("bad.gguf: truncated: tensor_count needs 8 bytes at byte 8 but the file ends at byte 12", failure(Arrays.copyOf(v, 12)));
        String m = failure(Arrays.copyOf(v, v.length - 1));
        assertEquals("bad.gguf: tensor \"b\" (Q8_0, [32], 34 bytes at data offset 32) runs past the end of the file: the data section "
                + "has 65 bytes", m);
        byte[] metadataOnly = new Raw().header(0, 1).str("general.architecture").u32(8).str("llama").build();
        assertEquals("bad.gguf: truncated: length of general.architecture needs 8 bytes at byte 56 but the file ends at byte 60",
                failure(Arrays.copyOf(metadataOnly, 60)));
        assertEquals("bad.gguf: tensor_count at byte 8 is 2, more than the 44 bytes left can hold (24 bytes each at least)",
                failure(Arrays.copyOf(v, 60)));
        assertEquals("bad.gguf: not a GGUF file: it starts with \"\", not \"GGUF\"", failure(new byte[0]));
    }

    @Test
    void badMagicAndVersion() {
        byte[] v = valid();
        byte[] ggml = v.clone();
        ggml[2] = 'M';
        ggml[3] = 'L';
        assertEquals("bad.gguf: not a GGUF file: it starts with \"GGML\", not \"GGUF\"", failure(ggml));
        assertEquals("bad.gguf: GGUF version 1 is not supported (versions 2 and 3 are)",
                failure(new Raw().u32(GgufHeader.MAGIC).u32(1).u64(0).u64(0).build()));
        assertEquals("bad.gguf: GGUF version 50331648 (a big-endian file; only little-endian GGUF is read) is not supported "
                + "(versions 2 and 3 are)", failure(new Raw().u32(GgufHeader.MAGIC).u32(0x0300_0000).u64(0).u64(0).build()));
    }

    @Test
    void tensorsOutsideTheFileOrOverlapping() {
        assertEquals("bad.gguf: tensor \"a\" (F32, [8], 32 bytes at data offset 4096) runs past the end of the file: the data "
                + "section has 32 bytes", failure(new Raw().header(1, 0).tensor("a", new long[] {8}, 0, 4096).data(32).build()));
        assertEquals("bad.gguf: tensors \"a\" (bytes [0, 64)) and \"b\" (bytes [32, 64)) overlap",
                failure(new Raw().header(2, 0).tensor("a", new long[] {16}, 0, 0).tensor("b", new long[] {8}, 0, 32).data(64).build()));
        assertEquals("bad.gguf: tensor \"a\" has data offset 3, not a multiple of the alignment 32",
                failure(new Raw().header(1, 0).tensor("a", new long[] {1}, 0, 3).data(32).build()));
        assertEquals("bad.gguf: tensor \"a\" has data offset 18446744073709551584, not a multiple of the alignment 32",
                failure(new Raw().header(1, 0).tensor("a", new long[] {1}, 0, -32).data(32).build()));
        assertEquals("bad.gguf: tensor \"a\" appears twice",
                failure(new Raw().header(2, 0).tensor("a", new long[] {1}, 0, 0).tensor("a", new long[] {1}, 0, 32).data(64).build()));
    }

    @Test
    void badTensorTypesAndShapes() {
        assertEquals("bad.gguf: tensor \"w\" has unknown ggml type 99; known: " + GgmlType.known(),
                failure(new Raw().header(1, 0).tensor("w", new long[] {32}, 99, 0).data(64).build()));
        assertEquals("bad.gguf: tensor \"w\" of type Q4_K has rows of 100 elements, not a whole number of its blocks of 256",
                failure(new Raw().header(1, 0).tensor("w", new long[] {100, 2}, 12, 0).data(64).build()));
        assertEquals("bad.gguf: tensor \"w\" has 5 dimensions; GGUF allows at most 4",
                failure(new Raw().header(1, 0).tensor("w", new long[] {1, 1, 1, 1, 1}, 0, 0).data(64).build()));
        assertEquals("bad.gguf: tensor \"w\" of ne [4294967296, 4294967296] has more than 2^63 - 1 elements",
                failure(new Raw().header(1, 0).tensor("w", new long[] {1L << 32, 1L << 32}, 0, 0).data(64).build()));
        assertEquals("bad.gguf: tensor \"w\" has ne[0] = 18446744073709551615, beyond 2^63 - 1",
                failure(new Raw().header(1, 0).tensor("w", new long[] {-1}, 0, 0).data(64).build()));
    }

    @Test
    void hugeCountsAndLengthsFailBeforeAllocating() {
        assertEquals("bad.gguf: kv_count at byte 16 is 18446744073709551615, more than the 0 bytes left can hold (13 bytes each at least)",
                failure(new Raw().header(0, -1).build()));
        assertEquals("bad.gguf: tensor_count at byte 8 is 1000000000000, more than the 8 bytes left can hold (24 bytes each at least)",
                failure(new Raw().header(1_000_000_000_000L, 0).build()));
        assertEquals("bad.gguf: key of metadata entry 0 at byte 24 has length 9223372036854775807, beyond the end of the file (8 bytes "
                + "left)", failure(new Raw().header(0, 1).u64(Long.MAX_VALUE).u32(8).u32(0).build()));
        assertEquals("bad.gguf: element count of t.a at byte 43 is 4294967296, more than the 0 bytes left can hold (8 bytes each at least)",
                failure(new Raw().header(0, 1).str("t.a").u32(9).u32(8).u64(1L << 32).build()));
    }

    @Test
    void badMetadata() {
        assertEquals("bad.gguf: metadata \"t.x\" has value type 13 at byte 35; known types are 0 to 12 (UINT8 ... FLOAT64)",
                failure(new Raw().header(0, 1).str("t.x").u32(13).u32(0).build()));
        assertEquals("bad.gguf: general.alignment is 0 of type UINT32; it must be a UINT32 power of two",
                failure(new Raw().header(0, 1).str("general.alignment").u32(4).u32(0).build()));
        assertEquals("bad.gguf: general.alignment is \"64\" of type STRING; it must be a UINT32 power of two",
                failure(new Raw().header(0, 1).str("general.alignment").u32(8).str("64").build()));
        assertEquals("bad.gguf: metadata key \"k\" appears twice (the second at byte 38)",
                failure(new Raw().header(0, 2).str("k").u32(0).bytes(new byte[] {1}).str("k").u32(0).bytes(new byte[] {2}).build()));
        assertEquals("bad.gguf: key of metadata entry 0 at byte 24 is not valid UTF-8",
                failure(new Raw().header(0, 1).u64(2).bytes(new byte[] {(byte) 0xC3, 0x28}).u32(0).bytes(new byte[] {1}).build()));
        assertEquals("bad.gguf: metadata \"b\" is a BOOL of byte value 7 at byte 37; must be 0 or 1",
                failure(new Raw().header(0, 1).str("b").u32(7).bytes(new byte[] {7}).build()));
    }

    @Test
    void metadataOfTheWrongTypeIsNamedWhenRead() throws Exception {
        try (GgufFile f = GgufFile.of(valid(), "ok.gguf")) {
            var e = assertThrows(IllegalArgumentException.class, () -> f.metadata().integer("general.architecture"));
            assertEquals("ok.gguf: metadata general.architecture is of type STRING, expected an integer", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> f.metadata().string("llama.block_count"));
            assertEquals("ok.gguf: metadata llama.block_count is missing", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> f.metadata().strings("general.architecture"));
            assertEquals("ok.gguf: metadata general.architecture is of type STRING, expected an ARRAY[STRING]", e.getMessage());
        }
    }

    @Test
    void mappedFilesFailAlikeAndFoldersAreNamed() throws Exception {
        Path p = dir.resolve("cut.gguf");
        Files.write(p, Arrays.copyOf(valid(), 12));
        var e = assertThrows(FileFormatException.class, () -> GgufFile.open(p));
        assertEquals(p + ": truncated: tensor_count needs 8 bytes at byte 8 but the file ends at byte 12", e.getMessage());
        e = assertThrows(FileFormatException.class, () -> GgufFile.open(dir));
        assertEquals(dir + ": is a folder, not a GGUF file", e.getMessage());
    }
}
