package org.moe4j.io.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;

/**
 * The header of a GGUF file (versions 2 and 3, little-endian), read and checked:
 * <pre>
 *   "GGUF"  u32 version  u64 tensor_count  u64 kv_count
 *   kv_count x (string key, u32 value_type, value)
 *   tensor_count x (string name, u32 n_dims, n_dims x u64 ne, u32 ggml_type, u64 offset)
 *   padding to general.alignment (default 32), then the data section
 * </pre>
 * where a string is a u64 byte length and UTF-8 bytes, and an array a u32 element type, a u64 count
 * and the elements. Every count and length is checked against the bytes left before anything is
 * allocated, so a hostile file fails with one line naming the offset and the field instead of
 * exhausting memory; tensors must have a known type, at most 4 dimensions, whole blocks per row,
 * aligned offsets, and data inside the file that no other tensor's data overlaps.
 */
public record GgufHeader(int version, int alignment, GgufMetadata metadata, List<GgufTensor> tensors, long dataOffset) {
    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    /** Arrays of arrays nest at most this deep. */
    private static final int MAX_NESTING = 4;

    public GgufHeader {
        tensors = List.copyOf(tensors);
    }

    /** Reads and checks the header of {@code file}; {@code source} names the file in messages. */
    public static GgufHeader read(MemorySegment file, String source) throws FileFormatException {
        Cursor in = new Cursor(file, source);
        if (file.byteSize() < 4 || in.u32("magic") != MAGIC) {
            byte[] head = new byte[(int) Math.min(4, file.byteSize())];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, 0, head, 0, head.length);
            throw new FileFormatException(source + ": not a GGUF file: it starts with " + Json.quoteForMessage(
                    new String(head, StandardCharsets.ISO_8859_1)) + ", not \"GGUF\"");
        }
        long version = in.u32("version");
        if (version != 2 && version != 3) {
            String why = Integer.reverseBytes((int) version) == 3 || Integer.reverseBytes((int) version) == 2
                    ? " (a big-endian file; only little-endian GGUF is read)" : "";
            throw new FileFormatException(source + ": GGUF version " + Integer.toUnsignedString((int) version) + why
                    + " is not supported (versions 2 and 3 are)");
        }
        long tensorCount = in.count("tensor_count", 24);
        long kvCount = in.count("kv_count", 13);
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.pos;
            String key = in.string("key of metadata entry " + i);
            GgufValue v = in.value(key, in.u32("type of " + key), 0);
            if (kv.put(key, v) != null) throw new FileFormatException(source + ": metadata key " + Json.quoteForMessage(key)
                    + " appears twice (the second at byte " + at + ")");
        }
        GgufMetadata metadata = new GgufMetadata(source, kv);
        int alignment = DEFAULT_ALIGNMENT;
        if (kv.containsKey("general.alignment")) {
            GgufValue a = kv.get("general.alignment");
            long n = a.value() instanceof Long l ? l : 0;
            if (a.type() != GgufValueType.UINT32 || n == 0 || (n & (n - 1)) != 0) {
                throw new FileFormatException(source + ": general.alignment is " + a.describe(4) + " of type " + a.typeName()
                        + "; it must be a UINT32 power of two");
            }
            alignment = (int) n;
        }
        List<GgufTensor> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensor t = in.tensorInfo(i, alignment);
            if (!names.add(t.name())) throw new FileFormatException(source + ": tensor " + Json.quoteForMessage(t.name()) + " appears twice");
            tensors.add(t);
        }
        long dataOffset = (in.pos + alignment - 1) / alignment * alignment;
        if (!tensors.isEmpty() && dataOffset > file.byteSize()) {
            throw new FileFormatException(source + ": truncated: the data section would start at byte " + dataOffset + " but the file has "
                    + file.byteSize() + " bytes");
        }
        checkPlacement(tensors, file.byteSize() - dataOffset, source);
        return new GgufHeader((int) version, alignment, metadata, tensors, dataOffset);
    }

    /** Every tensor's data inside the data section, and no two overlapping. */
    private static void checkPlacement(List<GgufTensor> tensors, long dataLength, String source) throws FileFormatException {
        for (GgufTensor t : tensors) {
            if (t.end() > dataLength) {
                throw new FileFormatException(source + ": tensor " + Json.quoteForMessage(t.name()) + " (" + t.type() + ", "
                        + Arrays.toString(t.shape()) + ", " + t.byteSize() + " bytes at data offset " + t.offset()
                        + ") runs past the end of the file: the data section has " + dataLength + " bytes");
            }
        }
        List<GgufTensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(GgufTensor::offset));
        for (int i = 1; i < sorted.size(); i++) {
            GgufTensor a = sorted.get(i - 1), b = sorted.get(i);
            if (b.offset() < a.end() && b.byteSize() > 0 && a.byteSize() > 0) {
                throw new FileFormatException(source + ": tensors " + Json.quoteForMessage(a.name()) + " (bytes [" + a.offset() + ", "
                        + a.end() + ")) and " + Json.quoteForMessage(b.name()) + " (bytes [" + b.offset() + ", " + b.end()
                        + ")) overlap");
            }
        }
    }

    /** A read position in the file; every read checks that the bytes are there. */
    private static final class Cursor {
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment file;
        final String source;
        long pos;

        Cursor(MemorySegment file, String source) {
            this.file = file;
            this.source = source;
        }

        long remaining() {
            return file.byteSize() - pos;
        }

        void need(long bytes, String what) throws FileFormatException {
            if (bytes > remaining()) {
                throw new FileFormatException(source + ": truncated: " + what + " needs " + bytes + " bytes at byte " + pos
                        + " but the file ends at byte " + file.byteSize());
            }
        }

        long u32(String what) throws FileFormatException {
            need(4, what);
            long v = file.get(U32, pos) & 0xFFFF_FFFFL;
            pos += 4;
            return v;
        }

        long u64(String what) throws FileFormatException {
            need(8, what);
            long v = file.get(U64, pos);
            pos += 8;
            return v;
        }

        /** A count of items of at least {@code minBytes} each: no more than the bytes left could hold. */
        long count(String what, long minBytes) throws FileFormatException {
            long at = pos;
            long n = u64(what);
            if (n < 0 || n > remaining() / minBytes) {
                throw new FileFormatException(source + ": " + what + " at byte " + at + " is " + Long.toUnsignedString(n)
                        + ", more than the " + remaining() + " bytes left can hold (" + minBytes + " bytes each at least)");
            }
            return n;
        }

        String string(String what) throws FileFormatException {
            long at = pos;
            long n = u64("length of " + what);
            if (n < 0 || n > remaining()) {
                throw new FileFormatException(source + ": " + what + " at byte " + at + " has length " + Long.toUnsignedString(n)
                        + ", beyond the end of the file (" + remaining() + " bytes left)");
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new FileFormatException(source + ": " + what + " at byte " + at + " has length " + n + ", more than a string can hold");
            }
            byte[] b = new byte[(int) n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
            pos += n;
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new FileFormatException(source + ": " + what + " at byte " + at + " is not valid UTF-8");
            }
        }

        GgufValue value(String key, long typeId, int depth) throws FileFormatException {
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) {
                throw new FileFormatException(source + ": metadata " + Json.quoteForMessage(key) + " has value type " + typeId
                        + " at byte " + (pos - 4) + "; known types are 0 to 12 (UINT8 ... FLOAT64)");
            }
            if (type != GgufValueType.ARRAY) return new GgufValue(type, null, scalar(type, key));
            if (depth >= MAX_NESTING) {
                throw new FileFormatException(source + ": metadata " + Json.quoteForMessage(key) + " nests arrays more than "
                        + MAX_NESTING + " deep");
            }
            long elementId = u32("element type of " + key);
            GgufValueType element = GgufValueType.byId(elementId);
            if (element == null) {
                throw new FileFormatException(source + ": metadata " + Json.quoteForMessage(key) + " is an array of unknown type "
                        + elementId + "; known types are 0 to 12");
            }
            int n = (int) count("element count of " + key, element.minBytes());
            Object values = switch (element) {
                case STRING -> {
                    String[] a = new String[n];
                    for (int i = 0; i < n; i++) a[i] = string(key + "[" + i + "]");
                    yield a;
                }
                case FLOAT32 -> {
                    float[] a = new float[n];
                    MemorySegment.copy(file, F32, pos, a, 0, n);
                    pos += 4L * n;
                    yield a;
                }
                case FLOAT64 -> {
                    double[] a = new double[n];
                    MemorySegment.copy(file, F64, pos, a, 0, n);
                    pos += 8L * n;
                    yield a;
                }
                case BOOL -> {
                    boolean[] a = new boolean[n];
                    for (int i = 0; i < n; i++) a[i] = (Boolean) scalar(element, key + "[" + i + "]");
                    yield a;
                }
                case ARRAY -> {
                    GgufValue[] a = new GgufValue[n];
                    for (int i = 0; i < n; i++) a[i] = value(key + "[" + i + "]", u32("type of " + key + "[" + i + "]"), depth + 1);
                    yield a;
                }
                default -> {
                    long[] a = new long[n];
                    for (int i = 0; i < n; i++) a[i] = (Long) scalar(element, key);
                    yield a;
                }
            };
            return new GgufValue(type, element, values);
        }

        Object scalar(GgufValueType type, String key) throws FileFormatException {
            if (type == GgufValueType.STRING) return string(key);
            need(type.minBytes(), "value of " + key);
            Object v = switch (type) {
                case UINT8 -> (long) (file.get(ValueLayout.JAVA_BYTE, pos) & 0xFF);
                case INT8 -> (long) file.get(ValueLayout.JAVA_BYTE, pos);
                case UINT16 -> (long) (file.get(U16, pos) & 0xFFFF);
                case INT16 -> (long) file.get(U16, pos);
                case UINT32 -> file.get(U32, pos) & 0xFFFF_FFFFL;
                case INT32 -> (long) file.get(U32, pos);
                case UINT64, INT64 -> file.get(U64, pos);
                case FLOAT32 -> file.get(F32, pos);
                case FLOAT64 -> file.get(F64, pos);
                case BOOL -> {
                    int b = file.get(ValueLayout.JAVA_BYTE, pos);
                    if (b != 0 && b != 1) throw new FileFormatException(source + ": metadata " + Json.quoteForMessage(key)
                            + " is a BOOL of byte value " + (b & 0xFF) + " at byte " + pos + "; must be 0 or 1");
                    yield b == 1;
                }
                case STRING, ARRAY -> throw new IllegalStateException("strings and arrays are read by string() and value()");
            };
            pos += type.minBytes();
            return v;
        }

        GgufTensor tensorInfo(long index, int alignment) throws FileFormatException {
            String name = string("name of tensor " + index);
            String q = Json.quoteForMessage(name);
            long dims = u32("n_dims of " + name);
            if (dims > MAX_DIMS) {
                throw new FileFormatException(source + ": tensor " + q + " has " + dims + " dimensions; GGUF allows at most " + MAX_DIMS);
            }
            long[] ne = new long[(int) dims];
            long elements = 1;
            for (int d = 0; d < dims; d++) {
                ne[d] = u64("ne[" + d + "] of " + name);
                if (ne[d] < 0) {
                    throw new FileFormatException(source + ": tensor " + q + " has ne[" + d + "] = " + Long.toUnsignedString(ne[d])
                            + ", beyond 2^63 - 1");
                }
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw new FileFormatException(source + ": tensor " + q + " of ne " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                            + " has more than 2^63 - 1 elements");
                }
            }
            long typeId = u32("type of " + name);
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new FileFormatException(source + ": tensor " + q + " has unknown ggml type " + typeId + "; known: " + GgmlType.known());
            }
            long rowLength = dims == 0 ? 1 : ne[0];
            if (rowLength % type.blockSize() != 0) {
                throw new FileFormatException(source + ": tensor " + q + " of type " + type + " has rows of " + rowLength
                        + " elements, not a whole number of its blocks of " + type.blockSize());
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(elements / type.blockSize(), (long) type.blockBytes());
            } catch (ArithmeticException e) {
                throw new FileFormatException(source + ": tensor " + q + " would take more than 2^63 - 1 bytes");
            }
            long offset = u64("offset of " + name);
            if (offset < 0 || offset % alignment != 0) {
                throw new FileFormatException(source + ": tensor " + q + " has data offset " + Long.toUnsignedString(offset)
                        + ", not a multiple of the alignment " + alignment);
            }
            if (bytes > Long.MAX_VALUE - offset) {
                throw new FileFormatException(source + ": tensor " + q + " at offset " + offset + " of " + bytes + " bytes runs past 2^63");
            }
            return new GgufTensor(name, type, ne, offset, bytes);
        }
    }
}
