package org.moe4j.io.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.tensor.Rng;

/**
 * Seeded mutation fuzzing of the GGUF reader, as SafeTensorsFuzzTest does for safetensors. Valid
 * files (gguf-py's fixture and small files of our writer) are mutated where GGUF keeps its counts,
 * lengths, types, dimensions and offsets: bits flipped, 4- and 8-byte fields overwritten with
 * extreme values, bytes cut, inserted or appended. Every outcome must be a file that opens with all
 * its tensors inside it and decodes (or refuses an unsupported type with one line), or a
 * {@link FileFormatException} of one line: never another exception, an Error, or a hang. A failure
 * names the seed and the mutation, so it replays.
 */
class GgufFuzzTest {
    private static final int IN_MEMORY_CASES = 2000;
    private static final int ON_DISK_CASES = 150;
    private static final long[] EXTREMES = {0, 1, 2, 3, 4, 7, 8, 9, 12, 13, 24, 32, 39, 99, 255, 256, 65535, 1L << 31, (1L << 32) - 1,
            1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1, -32};
    private static final List<byte[]> BASES = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void bases() throws Exception {
        BASES.add(Files.readAllBytes(GgufFileTest.fixture("quants.gguf")));
        BASES.add(GgufBadInputTest.valid());
        BASES.add(new GgufWriter()
                .metadata("general.architecture", GgufValue.string("olmoe"))
                .metadata("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"a", "b", "\u0120c", "<s>"}))
                .metadata("tokenizer.ggml.scores", GgufValue.float32s(new float[] {0, -1, -2, 0}))
                .metadata("olmoe.block_count", GgufValue.uint32(2))
                .metadata("x.nested", new GgufValue(GgufValueType.ARRAY, GgufValueType.ARRAY,
                        new GgufValue[] {GgufValue.int32s(new int[] {5}), GgufValue.strings(new String[] {"q"})}))
                .tensor("w4", GgmlType.Q4_K, new long[] {256, 2}, out -> out.fill((byte) 0x11))
                .tensor("w6", GgmlType.Q6_K, new long[] {256}, out -> out.fill((byte) 0x22))
                .tensor("w8", GgmlType.Q8_0, new long[] {32, 3}, out -> out.fill((byte) 0x03))
                .tensor("mx", GgmlType.MXFP4, new long[] {64}, out -> out.fill((byte) 0x70))
                .tensor("n", GgmlType.F32, new long[] {5}, out -> out.fill((byte) 0x3f))
                .toBytes());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedFilesReadWithinBoundsOrFailCleanly() {
        int[] outcomes = new int[2];
        for (int c = 0; c < IN_MEMORY_CASES; c++) {
            Rng rng = new Rng(7000 + c);
            StringBuilder what = new StringBuilder("seed " + (7000 + c) + ": ");
            byte[] mutated = mutate(BASES.get(rng.nextInt(BASES.size())), rng, what);
            outcomes[check(() -> GgufFile.of(mutated, "fuzz"), mutated.length, what.toString())]++;
        }
        assertTrue(outcomes[0] > IN_MEMORY_CASES / 20, "successful opens: " + outcomes[0]);
        assertTrue(outcomes[1] > IN_MEMORY_CASES / 3, "rejections: " + outcomes[1]);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedFilesOnDiskBehaveTheSameThroughMemoryMapping() throws IOException {
        Path file = dir.resolve("fuzz.gguf");
        for (int c = 0; c < ON_DISK_CASES; c++) {
            Rng rng = new Rng(70_000 + c);
            StringBuilder what = new StringBuilder("seed " + (70_000 + c) + " on disk: ");
            byte[] mutated = mutate(BASES.get(rng.nextInt(BASES.size())), rng, what);
            Files.write(file, mutated);
            int inMemory = check(() -> GgufFile.of(mutated, "fuzz"), mutated.length, what.toString());
            int mapped = check(() -> GgufFile.open(file), mutated.length, what.toString());
            assertEquals(inMemory, mapped, what + ": same outcome mapped and in memory");
        }
    }

    @FunctionalInterface
    private interface Opener {
        GgufFile open() throws IOException;
    }

    /** Opens, checks bounds, decodes every tensor and describes every value; 0 for success, 1 for a clean rejection. */
    private static int check(Opener opener, long fileLength, String what) {
        try (GgufFile f = opener.open()) {
            long data = fileLength - f.header().dataOffset();
            for (GgufTensor t : f.tensors()) {
                assertTrue(t.offset() >= 0 && t.end() <= data, what + ": " + t + " within " + data + " data bytes");
                assertEquals(t.type().bytes(t.elementCount()), t.byteSize(), what + ": " + t + " size");
                assertEquals(t.byteSize(), f.bytes(t.name()).byteSize());
                try {
                    assertEquals(t.elementCount(), f.floats(t.name()).size(), what + ": " + t);
                } catch (IllegalArgumentException unsupported) {
                    assertOneLine(unsupported, what);
                }
            }
            f.metadata().values().values().forEach(v -> assertNotNull(v.describe(8)));
            return 0;
        } catch (FileFormatException e) {
            assertOneLine(e, what);
            return 1;
        } catch (IOException e) {
            return fail(what + ": unexpected I/O failure " + e);
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
    }

    private static void assertOneLine(Exception e, String what) {
        String m = e.getMessage();
        assertNotNull(m, what + ": " + e.getClass().getName() + " without a message");
        assertFalse(m.isBlank(), what + ": blank message");
        assertFalse(m.contains("\n") || m.contains("\r"), what + ": multi-line message " + m);
        assertTrue(m.length() < 3000, what + ": message of " + m.length() + " characters");
    }

    /** The length of the header (up to the data section) of a valid base, where the mutations aim. */
    private static int headerLength(byte[] base) {
        try (GgufFile f = GgufFile.of(base, "base")) {
            return (int) f.header().dataOffset();
        } catch (FileFormatException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] mutate(byte[] base, Rng rng, StringBuilder what) {
        int header = Math.min(base.length, headerLength(base));
        ByteBuffer le;
        switch (rng.nextInt(8)) {
            case 0 -> {
                byte[] b = base.clone();
                int flips = 1 + rng.nextInt(3);
                for (int i = 0; i < flips; i++) b[rng.nextInt(header)] ^= (byte) (1 << rng.nextInt(8));
                what.append("flip ").append(flips).append(" header bits");
                return b;
            }
            case 1 -> {
                byte[] b = base.clone();
                int at = rng.nextInt(b.length);
                b[at] = (byte) rng.nextInt(256);
                what.append("set byte ").append(at).append(" to ").append(b[at]);
                return b;
            }
            case 2 -> {
                byte[] b = base.clone();
                int at = rng.nextInt(header - 8);
                long v = EXTREMES[rng.nextInt(EXTREMES.length)];
                le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                le.putLong(at, v);
                what.append("u64 at ").append(at).append(" = ").append(Long.toUnsignedString(v));
                return b;
            }
            case 3 -> {
                byte[] b = base.clone();
                int at = rng.nextInt(header - 4);
                long v = EXTREMES[rng.nextInt(EXTREMES.length)];
                le = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                le.putInt(at, (int) v);
                what.append("u32 at ").append(at).append(" = ").append(Integer.toUnsignedString((int) v));
                return b;
            }
            case 4 -> {
                int length = rng.nextInt(2) == 0 ? rng.nextInt(header) : rng.nextInt(base.length);
                what.append("truncate to ").append(length);
                return Arrays.copyOf(base, length);
            }
            case 5 -> {
                byte[] extra = new byte[1 + rng.nextInt(40)];
                for (int i = 0; i < extra.length; i++) extra[i] = (byte) rng.nextInt(256);
                what.append("append ").append(extra.length).append(" bytes");
                byte[] b = Arrays.copyOf(base, base.length + extra.length);
                System.arraycopy(extra, 0, b, base.length, extra.length);
                return b;
            }
            case 6 -> {
                int at = rng.nextInt(header);
                int len = 1 + rng.nextInt(Math.min(16, header - at));
                what.append("delete ").append(len).append(" bytes at ").append(at);
                byte[] b = new byte[base.length - len];
                System.arraycopy(base, 0, b, 0, at);
                System.arraycopy(base, at + len, b, at, base.length - at - len);
                return b;
            }
            default -> {
                int at = rng.nextInt(header);
                int len = 1 + rng.nextInt(16);
                what.append("insert ").append(len).append(" bytes at ").append(at);
                byte[] b = new byte[base.length + len];
                System.arraycopy(base, 0, b, 0, at);
                for (int i = 0; i < len; i++) b[at + i] = (byte) rng.nextInt(256);
                System.arraycopy(base, at, b, at + len, base.length - at);
                return b;
            }
        }
    }
}
