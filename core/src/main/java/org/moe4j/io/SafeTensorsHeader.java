package org.moe4j.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header of a safetensors file, read and checked against the Hugging Face specification
 * (github.com/huggingface/safetensors, README "Format"): 8 bytes little-endian u64 N, then N bytes of
 * UTF-8 JSON starting with '{' that map each tensor name to {dtype, shape, data_offsets [begin, end)}
 * plus an optional "__metadata__" map of string to string, then the data. Every check a hostile file
 * could trip fails with a one-line {@link FileFormatException}: the header length (at most 100 MB,
 * the reference implementation's limit, and within the file), the JSON, the fields, the byte size
 * implied by dtype and shape, and the offsets, which must tile the data exactly: no overlap, and no
 * holes ("The byte buffer needs to be entirely indexed, and cannot contain holes").
 *
 * @param tensors      the tensors in header order
 * @param metadata     the "__metadata__" map (empty if absent)
 * @param headerLength N, the JSON length in bytes; the data starts at 8 + N
 */
record SafeTensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata, long headerLength) {
    /** The largest header accepted, as in the reference implementation (protects against huge JSON). */
    static final long MAX_HEADER_BYTES = 100_000_000;
    static final String METADATA_KEY = "__metadata__";
    private static final ValueLayout.OfLong U64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");

    static SafeTensorsHeader read(MemorySegment file, String source) throws FileFormatException {
        long size = file.byteSize();
        if (size < 8) {
            throw fail(source, "the file is " + size + " bytes, too short for a safetensors file"
                    + " (it starts with an 8-byte header length)");
        }
        long n = file.get(U64_LE, 0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fail(source, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes (is this a safetensors file?)");
        }
        if (n > size - 8) {
            throw fail(source, "header length " + n + " runs past the end of the file (" + size
                    + " bytes, so at most " + (size - 8) + " bytes of header): the file is truncated or not safetensors");
        }
        if (n == 0) {
            throw fail(source, "the header is empty; it must be a JSON object starting with '{'");
        }
        byte[] json = file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
        if (json[0] != '{') {
            throw fail(source, String.format("the header must start with '{' (0x7B), found byte 0x%02X", json[0] & 0xff));
        }
        Object root;
        try {
            root = Json.parse(json);
        } catch (JsonException e) {
            throw fail(source, "the header is not valid JSON: " + e.getMessage());
        }
        long dataLength = size - 8 - n;
        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) root).entrySet()) {
            String name = (String) e.getKey();
            if (name.equals(METADATA_KEY)) {
                metadata = metadata(e.getValue(), source);
            } else {
                tensors.add(tensor(name, e.getValue(), dataLength, source));
            }
        }
        requireExactTiling(tensors, dataLength, source);
        return new SafeTensorsHeader(Collections.unmodifiableList(tensors), metadata, n);
    }

    private static Map<String, String> metadata(Object value, String source) throws FileFormatException {
        if (!(value instanceof Map<?, ?> map)) {
            throw fail(source, METADATA_KEY + " must be an object of string values, found " + describe(value));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw fail(source, METADATA_KEY + " values must be strings; key "
                        + Json.quoteForMessage((String) e.getKey()) + " has " + describe(e.getValue()));
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo tensor(String name, Object value, long dataLength, String source) throws FileFormatException {
        String what = "tensor " + Json.quoteForMessage(name);
        if (!(value instanceof Map<?, ?> fields)) {
            throw fail(source, what + " must be an object with dtype, shape and data_offsets, found " + describe(value));
        }
        for (Object key : fields.keySet()) {
            if (!FIELDS.contains(key)) {
                throw fail(source, what + " has unknown field " + Json.quoteForMessage((String) key)
                        + " (allowed: dtype, shape, data_offsets)");
            }
        }
        for (String field : List.of("dtype", "shape", "data_offsets")) {
            if (!fields.containsKey(field)) {
                throw fail(source, what + " has no \"" + field + "\" field");
            }
        }
        if (!(fields.get("dtype") instanceof String dtypeName)) {
            throw fail(source, what + ": dtype must be a string, found " + describe(fields.get("dtype")));
        }
        DType dtype;
        try {
            dtype = DType.parse(dtypeName);
        } catch (IllegalArgumentException e) {
            throw fail(source, what + ": " + e.getMessage());
        }
        long[] shape = nonNegativeIntegers(fields.get("shape"), what + ": shape", source);
        long[] offsets = nonNegativeIntegers(fields.get("data_offsets"), what + ": data_offsets", source);
        if (offsets.length != 2) {
            throw fail(source, what + ": data_offsets must be [begin, end], found " + offsets.length + " numbers");
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw fail(source, what + ": data_offsets [" + begin + ", " + end + "] are reversed (begin must be <= end)");
        }
        long bytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, dtype.bytes());
        } catch (ArithmeticException overflow) {
            throw fail(source, what + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs more than 2^63 bytes");
        }
        if (end - begin != bytes) {
            throw fail(source, what + ": dtype " + dtype + " and shape " + Arrays.toString(shape) + " need "
                    + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        if (end > dataLength) {
            throw fail(source, what + ": data_offsets [" + begin + ", " + end + "] run past the end of the data ("
                    + dataLength + " bytes after the header): the file is truncated or the offsets are wrong");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] nonNegativeIntegers(Object value, String what, String source) throws FileFormatException {
        if (!(value instanceof List<?> list)) {
            throw fail(source, what + " must be an array of integers, found " + describe(value));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v) || v < 0) {
                throw fail(source, what + " has " + describe(list.get(i)) + " at index " + i
                        + "; entries must be integers >= 0");
            }
            out[i] = v;
        }
        return out;
    }

    /** Sorted by begin, each tensor must start where the previous one ended, and the last end the data. */
    private static void requireExactTiling(List<TensorInfo> tensors, long dataLength, String source) throws FileFormatException {
        List<TensorInfo> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long covered = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < covered) {
                throw fail(source, "tensors " + Json.quoteForMessage(previous.name()) + " [" + previous.begin() + ", "
                        + previous.end() + ") and " + Json.quoteForMessage(t.name()) + " [" + t.begin() + ", " + t.end()
                        + ") overlap");
            }
            if (t.begin() > covered) {
                throw fail(source, "data bytes [" + covered + ", " + t.begin() + ") belong to no tensor;"
                        + " the safetensors specification forbids holes");
            }
            covered = t.end();
            previous = t;
        }
        if (covered < dataLength) {
            throw fail(source, "the last " + (dataLength - covered) + " data bytes (from offset " + covered
                    + ") belong to no tensor; the safetensors specification forbids holes");
        }
    }

    /** A parsed JSON value described for an error message: its type and a short excerpt. */
    private static String describe(Object v) {
        String kind = switch (v) {
            case null -> "null";
            case String s -> "a string";
            case Long l -> "the integer";
            case Double d -> "the number";
            case Boolean b -> "the boolean";
            case List<?> l -> "an array";
            case Map<?, ?> m -> "an object";
            default -> v.getClass().getSimpleName();
        };
        if (v == null || v instanceof List<?> || v instanceof Map<?, ?>) {
            return kind;
        }
        return kind + " " + (v instanceof String s ? Json.quoteForMessage(s) : String.valueOf(v));
    }

    private static FileFormatException fail(String source, String message) {
        return new FileFormatException(source + ": " + message);
    }
}
