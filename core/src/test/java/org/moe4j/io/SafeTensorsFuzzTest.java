package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * Seeded mutation fuzzing of the safetensors reader. Valid files (real ones written by Python's
 * safetensors: model cases' expected tensors and shards of a model saved by transformers; and
 * generated ones with every writable dtype) are mutated in their header bytes, header length,
 * offsets, dtypes, shapes, structure and size. Every outcome must be either a successful open whose
 * tensors lie within the file and read without error, or a {@link FileFormatException} /
 * IllegalArgumentException with a non-empty one-line message: never another exception, an Error,
 * or a hang. A failure names the seed and the mutation, so it replays.
 */
@Tag("slow")
class SafeTensorsFuzzTest {
    private static final int IN_MEMORY_CASES = 4000;
    private static final int ON_DISK_CASES = 300;
    private static final Pattern INTEGER = Pattern.compile("(?<![\\w.])\\d+(?![\\w.])");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\\s*\"[^\"]*\"");
    private static final Pattern SHAPE = Pattern.compile("\"shape\":\\s*\\[[^\\]]*\\]");
    private static final Pattern ENTRY = Pattern.compile("\"[^\"]+\":\\s*\\{\"dtype\"[^}]*\\}");
    private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "U8", "I8", "BOOL", "U64",
            "F8_E4M3", "F33", "", "f32", "F32 ", "\\u0046\\u0033\\u0032"};
    private static final String[] SHAPES = {"[]", "[0]", "[1]", "[-1]", "[1.5]", "[\"2\"]", "[null]", "[[1]]", "{}",
            "[4294967296]", "[9223372036854775807, 2]", "[65536, 65536]", "[3, 0, 5]", "7", "[1e3]", "[1, 2, 3, 4, 5, 6, 7, 8]"};
    private static final String[] NUMBERS = {"0", "1", "-1", "7", "8", "1.5", "1e400", "-0", "\"8\"", "null", "[]",
            "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "100000000000000000000000"};

    private static final List<byte[]> BASES = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void loadBases() throws Exception {
        Path extra = Path.of("src/test/resources/models-extra");
        for (String name : List.of("llama3_tied/expected.safetensors", "mixtral_window/expected.safetensors",
                "qwen3_moe_sharded/expected.safetensors", "qwen3_moe_sharded/model-00001-of-00009.safetensors",
                "qwen3_moe_sharded/model-00003-of-00009.safetensors", "qwen3_moe_sharded/model-00009-of-00009.safetensors")) {
            BASES.add(Files.readAllBytes(extra.resolve(name)));
        }
        Rng rng = new Rng(1);
        BASES.add(SafeTensors.writer()
                .add("w", Init.normal(Tensor.zeros(3, 4), rng, 0, 1))
                .add("h", Init.normal(Tensor.zeros(5), rng, 0, 1), DType.F16)
                .add("b", Init.normal(Tensor.zeros(2, 3), rng, 0, 1), DType.BF16)
                .add("d", Init.normal(Tensor.zeros(3), rng, 0, 1), DType.F64)
                .add("s", Tensor.scalar(2f)).add("e", Tensor.zeros(0, 2))
                .addLongs("i", new long[] {1, 2, 3}, 3).addInts("j", new int[] {-4, 5}, 2)
                .metadata("format", "pt").metadata("note", "fuzz base")
                .toBytes());
        BASES.add(SafeTensors.writer().toBytes());
        BASES.add(SafeTensors.writer().add("only", Tensor.full(1f, 1)).toBytes());
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedFilesReadWithinBoundsOrFailCleanly() {
        int[] outcomes = new int[2];
        for (int c = 0; c < IN_MEMORY_CASES; c++) {
            Rng rng = new Rng(1000 + c);
            byte[] base = BASES.get(rng.nextInt(BASES.size()));
            StringBuilder what = new StringBuilder("seed " + (1000 + c) + ": ");
            byte[] mutated = mutate(base, rng, what);
            outcomes[check(() -> SafeTensorsFile.of(mutated, "fuzz"), mutated.length, what.toString())]++;
        }
        // the mutations must exercise both paths, or the test proves little
        assertTrue(outcomes[0] > IN_MEMORY_CASES / 20, "successful opens: " + outcomes[0]);
        assertTrue(outcomes[1] > IN_MEMORY_CASES / 2, "rejections: " + outcomes[1]);
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedFilesOnDiskBehaveTheSameThroughMemoryMapping() throws IOException {
        Path file = dir.resolve("fuzz.safetensors");
        for (int c = 0; c < ON_DISK_CASES; c++) {
            Rng rng = new Rng(90_000 + c);
            byte[] base = BASES.get(rng.nextInt(BASES.size()));
            StringBuilder what = new StringBuilder("seed " + (90_000 + c) + " on disk: ");
            byte[] mutated = mutate(base, rng, what);
            Files.write(file, mutated);
            int inMemory = check(() -> SafeTensorsFile.of(mutated, "fuzz"), mutated.length, what.toString());
            int mapped = check(() -> SafeTensors.open(file), mutated.length, what.toString());
            assertEquals(inMemory, mapped, what + ": same outcome mapped and in memory");
        }
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedJsonParsesOrFailsWithOneLine() {
        String[] seeds = {"{\"a\": [1, 2.5, -3e4, true, null, \"x\\u00e9\\ud83d\\ude00\"], \"b\": {\"c\": {}}}",
                "[[[[[]]]], {\"k\": \"v\"}]", "\"\\\\\\\"\\n\"", "-0.0e-0"};
        byte[] alphabet = "{}[]\",:\\/ .-+eE0123456789tfnrulsaxbu\u00e9".getBytes(StandardCharsets.UTF_8);
        for (int c = 0; c < 20_000; c++) {
            Rng rng = new Rng(5000 + c);
            byte[] b = seeds[rng.nextInt(seeds.length)].getBytes(StandardCharsets.UTF_8);
            int edits = 1 + rng.nextInt(4);
            for (int e = 0; e < edits && b.length > 0; e++) {
                int at = rng.nextInt(b.length);
                switch (rng.nextInt(3)) {
                    case 0 -> b[at] = alphabet[rng.nextInt(alphabet.length)];
                    case 1 -> b[at] = (byte) rng.nextInt(256);
                    default -> b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + rng.nextInt(3)), b.length));
                }
            }
            byte[] text = b;
            try {
                Object v = Json.parse(text);
                assertEquals(Json.write(v), Json.write(Json.parse(Json.write(v))), "seed " + (5000 + c) + ": write/parse is stable");
            } catch (JsonException e) {
                assertOneLine(e, "seed " + (5000 + c));
            }
        }
    }

    /** Opens, checks bounds, reads every tensor; returns 0 for success, 1 for a clean rejection. */
    private static int check(Opener opener, long fileLength, String what) {
        try (SafeTensorsFile f = opener.open()) {
            long dataLength = fileLength - 8 - f.headerLength();
            assertTrue(f.headerLength() > 0 && dataLength >= 0, what + ": header within the file");
            for (TensorInfo t : f.tensors()) {
                assertTrue(0 <= t.begin() && t.begin() <= t.end() && t.end() <= dataLength, what + ": " + t + " within data");
                assertEquals(t.elementCount() * t.dtype().bytes(), t.byteSize(), what + ": " + t + " size");
                try {
                    readAll(f, t);
                } catch (IllegalArgumentException tooLarge) {
                    assertOneLine(tooLarge, what);
                }
            }
            return 0;
        } catch (FileFormatException | IllegalArgumentException e) {
            assertOneLine(e, what);
            return 1;
        } catch (IOException e) {
            return fail(what + ": unexpected I/O failure " + e);
        } catch (Throwable t) {
            throw new AssertionError(what + ": " + t, t);
        }
    }

    private static void readAll(SafeTensorsFile f, TensorInfo t) {
        if (t.dtype().isFloat()) {
            assertEquals(t.elementCount(), f.floats(t.name()).size());
        } else if (t.dtype().isExactInteger()) {
            assertEquals(t.elementCount(), f.longs(t.name()).length);
        } else {
            assertEquals(t.byteSize(), f.bytes(t.name()).byteSize());
        }
    }

    private static void assertOneLine(Exception e, String what) {
        String m = e.getMessage();
        assertNotNull(m, what + ": " + e.getClass().getName() + " without a message");
        assertFalse(m.isBlank(), what + ": blank message");
        assertFalse(m.contains("\n") || m.contains("\r"), what + ": multi-line message " + m);
        assertTrue(m.length() < 2000, what + ": message of " + m.length() + " characters");
    }

    @FunctionalInterface
    private interface Opener {
        SafeTensorsFile open() throws IOException;
    }

    /** One random mutation of {@code base}, described in {@code what}. */
    static byte[] mutate(byte[] base, Rng rng, StringBuilder what) {
        int n = (int) ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] data = Arrays.copyOfRange(base, 8 + n, base.length);
        String header = new String(base, 8, n, StandardCharsets.UTF_8);
        switch (rng.nextInt(11)) {
            case 0 -> {
                byte[] b = base.clone();
                int flips = 1 + rng.nextInt(3);
                for (int i = 0; i < flips; i++) {
                    int at = 8 + rng.nextInt(n);
                    b[at] ^= (byte) (1 << rng.nextInt(8));
                }
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
                long[] choices = {rng.nextInt(n + 16), n + 1 + rng.nextInt(8), n - 1 - rng.nextInt(Math.max(1, Math.min(n, 8))),
                        rng.nextLong(), -1, 100_000_001, base.length, Long.MIN_VALUE};
                long length = choices[rng.nextInt(choices.length)];
                byte[] b = base.clone();
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                what.append("header length ").append(Long.toUnsignedString(length));
                return b;
            }
            case 3 -> {
                int length = rng.nextInt(base.length);
                what.append("truncate to ").append(length);
                return Arrays.copyOf(base, length);
            }
            case 4 -> {
                byte[] extra = new byte[1 + rng.nextInt(16)];
                what.append("append ").append(extra.length).append(" bytes");
                return concat(base, extra);
            }
            case 5 -> {
                return rebuild(replaceOne(header, INTEGER, NUMBERS, rng, what), data, rng, what);
            }
            case 6 -> {
                String[] quoted = Arrays.stream(DTYPES).map(d -> "\"dtype\":\"" + d + "\"").toArray(String[]::new);
                return rebuild(replaceOne(header, DTYPE, quoted, rng, what), data, rng, what);
            }
            case 7 -> {
                String[] shapes = Arrays.stream(SHAPES).map(s -> "\"shape\":" + s).toArray(String[]::new);
                return rebuild(replaceOne(header, SHAPE, shapes, rng, what), data, rng, what);
            }
            case 8 -> {
                Matcher m = ENTRY.matcher(header);
                List<String> entries = new ArrayList<>();
                while (m.find()) {
                    entries.add(m.group());
                }
                if (entries.isEmpty()) {
                    what.append("no entry to duplicate; ");
                    return rebuild(header, data, rng, what);
                }
                String entry = entries.get(rng.nextInt(entries.size()));
                String changed = rng.nextInt(2) == 0
                        ? header.replaceFirst("\\{", "{" + Matcher.quoteReplacement(entry) + ",")
                        : header.replace(entry + ",", "").replace("," + entry, "");
                what.append(changed.length() > header.length() ? "duplicate " : "remove ").append(entry, 0, Math.min(40, entry.length()));
                return rebuild(changed, data, rng, what);
            }
            case 9 -> {
                int at = 1 + rng.nextInt(Math.max(1, header.length() - 1));
                String[] inserts = {"[".repeat(1 + rng.nextInt(5000)), "\"x\":", ",", "}", "\u00e9", "\\ud800", "\"", " ", "{}"};
                String insert = inserts[rng.nextInt(inserts.length)];
                what.append("insert ").append(Json.quoteForMessage(insert)).append(" at ").append(at);
                return rebuild(header.substring(0, at) + insert + header.substring(at), data, rng, what);
            }
            default -> {
                byte[] h = header.getBytes(StandardCharsets.UTF_8);
                int at = 1 + rng.nextInt(Math.max(1, h.length - 1));
                int len = rng.nextInt(Math.min(20, h.length - at) + 1);
                byte[] cut = concat(Arrays.copyOf(h, at), Arrays.copyOfRange(h, at + len, h.length));
                if (rng.nextInt(3) == 0) {
                    cut[rng.nextInt(cut.length)] = (byte) (0x80 + rng.nextInt(0x80));
                    what.append("invalid UTF-8 byte and ");
                }
                what.append("delete ").append(len).append(" header bytes at ").append(at);
                return file(cut, data);
            }
        }
    }

    private static String replaceOne(String header, Pattern p, String[] choices, Rng rng, StringBuilder what) {
        Matcher m = p.matcher(header);
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            what.append("nothing to replace; ");
            return header;
        }
        int[] span = spans.get(rng.nextInt(spans.size()));
        String by = choices[rng.nextInt(choices.length)];
        what.append("replace ").append(header, span[0], span[1]).append(" by ").append(by);
        return header.substring(0, span[0]) + by + header.substring(span[1]);
    }

    /** The file with a new header; usually with its true length, sometimes keeping a stale one. */
    private static byte[] rebuild(String header, byte[] data, Rng rng, StringBuilder what) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        if (rng.nextInt(8) == 0) {
            what.append(", header length left stale");
            byte[] f = file(h, data);
            ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Math.max(0, h.length - 1 - rng.nextInt(4)));
            return f;
        }
        return file(h, data);
    }

    private static byte[] file(byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
