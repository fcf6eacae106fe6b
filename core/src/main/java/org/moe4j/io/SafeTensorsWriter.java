package org.moe4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Collects named tensors and metadata and writes them as one safetensors file.
 *
 * <p>The layout is deterministic, whatever order tensors were added in: data sorted by element size
 * (largest first, so every tensor starts at a multiple of its element size, as the reference
 * implementation does) and then by name; the header lists the tensors in that order after
 * "__metadata__", and is padded with spaces to a multiple of 8 bytes. Tensors are not copied when
 * added: their values are read when the file is written, and a {@link StreamedTensor}'s are only
 * produced then, in pieces.
 */
public final class SafeTensorsWriter {
    /** Writes element {@code i} of a tensor into {@code out} (little-endian, room for 8 bytes). */
    private interface ElementEncoder {
        void put(ByteBuffer out, int i);
    }

    /** {@code encoder} for a tensor held here, {@code streamed} (with a null encoder) for one produced while writing. */
    private record Entry(String name, DType dtype, int[] shape, int count, ElementEncoder encoder, StreamedTensor.Values streamed) {
        Entry(String name, DType dtype, int[] shape, int count, ElementEncoder encoder) {
            this(name, dtype, shape, count, encoder, null);
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds {@code tensor} as F32. */
    public SafeTensorsWriter add(String name, Tensor tensor) {
        return add(name, tensor, DType.F32);
    }

    /** Adds {@code tensor} stored as {@code dtype}: F32, F16, BF16 (both rounded to nearest even) or F64. */
    public SafeTensorsWriter add(String name, Tensor tensor, DType dtype) {
        float[] d = tensor.data();
        int off = tensor.offset();
        ElementEncoder encoder = switch (dtype) {
            case F32 -> (out, i) -> out.putFloat(d[off + i]);
            case F16 -> (out, i) -> out.putShort(HalfPrecision.floatToF16(d[off + i]));
            case BF16 -> (out, i) -> out.putShort(HalfPrecision.floatToBf16(d[off + i]));
            case F64 -> (out, i) -> out.putDouble(d[off + i]);
            default -> throw new IllegalArgumentException("SafeTensorsWriter.add: tensor " + Json.quoteForMessage(name)
                    + " cannot be stored as " + dtype + "; float tensors are stored as F32, F16, BF16 or F64");
        };
        return put(new Entry(name, dtype, tensor.shape(), tensor.size(), encoder));
    }

    /**
     * Adds a tensor stored as F32 whose values are asked for when the writer reaches it; the file is
     * the one {@link #add(String, Tensor)} of the same values gives, byte for byte.
     */
    public SafeTensorsWriter add(String name, StreamedTensor tensor) {
        return put(new Entry(name, DType.F32, tensor.shape(), tensor.size(), null, tensor.values()));
    }

    /** Adds an F64 tensor of the given shape holding {@code values} (row-major), exactly. */
    public SafeTensorsWriter addDoubles(String name, double[] values, int... shape) {
        requireCount(name, values.length, shape);
        double[] v = values.clone();
        return put(new Entry(name, DType.F64, shape.clone(), v.length, (out, i) -> out.putDouble(v[i])));
    }

    /** Adds an I64 tensor of the given shape holding {@code values} (row-major). */
    public SafeTensorsWriter addLongs(String name, long[] values, int... shape) {
        requireCount(name, values.length, shape);
        long[] v = values.clone();
        return put(new Entry(name, DType.I64, shape.clone(), v.length, (out, i) -> out.putLong(v[i])));
    }

    /** Adds an I32 tensor of the given shape holding {@code values} (row-major). */
    public SafeTensorsWriter addInts(String name, int[] values, int... shape) {
        requireCount(name, values.length, shape);
        int[] v = values.clone();
        return put(new Entry(name, DType.I32, shape.clone(), v.length, (out, i) -> out.putInt(v[i])));
    }

    /** Adds a "__metadata__" entry; keys keep the order they were added in. */
    public SafeTensorsWriter metadata(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("SafeTensorsWriter.metadata: key and value must not be null (key "
                    + key + ")");
        }
        metadata.put(key, value);
        return this;
    }

    /** Writes the file atomically (see {@link AtomicFiles#write}). */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, this::writeTo);
    }

    /** The file's bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the file's bytes to {@code out} (not closed). */
    public void writeTo(OutputStream out) throws IOException {
        List<Entry> order = new ArrayList<>(entries.values());
        order.sort(Comparator.comparingInt((Entry e) -> -e.dtype().bytes()).thenComparing(Entry::name));
        byte[] header = header(order);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        flush(buf, out);
        out.write(header);
        for (Entry e : order) {
            if (e.streamed() != null) {
                stream(e, buf, out);
                continue;
            }
            for (int i = 0; i < e.count(); i++) {
                if (buf.remaining() < 8) {
                    flush(buf, out);
                }
                e.encoder().put(buf, i);
            }
        }
        flush(buf, out);
        out.flush();
    }

    /** Encodes a streamed tensor's values as they come; fails naming the tensor when they are not exactly its size. */
    private static void stream(Entry e, ByteBuffer buf, OutputStream out) throws IOException {
        long[] given = {0};
        e.streamed().writeTo((data, from, count) -> {
            if (count < 0 || from < 0 || from + count > data.length) {
                throw new IllegalArgumentException("SafeTensorsWriter: tensor " + Json.quoteForMessage(e.name()) + ": a piece of "
                        + count + " values from " + from + " does not fit its array of " + data.length);
            }
            if (given[0] + count > e.count()) {
                throw new IllegalStateException("SafeTensorsWriter: tensor " + Json.quoteForMessage(e.name()) + " of shape "
                        + Shape.str(e.shape()) + " needs " + e.count() + " values; its source gave more");
            }
            for (int i = 0; i < count; i++) {
                if (buf.remaining() < 4) {
                    flush(buf, out);
                }
                buf.putFloat(data[from + i]);
            }
            given[0] += count;
        });
        if (given[0] != e.count()) {
            throw new IllegalStateException("SafeTensorsWriter: tensor " + Json.quoteForMessage(e.name()) + " of shape "
                    + Shape.str(e.shape()) + " needs " + e.count() + " values; its source gave " + given[0]);
        }
    }

    private byte[] header(List<Entry> order) {
        Map<String, Object> root = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            root.put(SafeTensorsHeader.METADATA_KEY, metadata);
        }
        long offset = 0;
        for (Entry e : order) {
            long end = offset + (long) e.count() * e.dtype().bytes();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dtype", e.dtype().name());
            fields.put("shape", Arrays.stream(e.shape()).boxed().toList());
            fields.put("data_offsets", List.of(offset, end));
            root.put(e.name(), fields);
            offset = end;
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private SafeTensorsWriter put(Entry e) {
        if (e.name() == null || e.name().equals(SafeTensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("SafeTensorsWriter: tensor name " + e.name() + " is not allowed");
        }
        if (entries.containsKey(e.name())) {
            throw new IllegalArgumentException("SafeTensorsWriter: tensor " + Json.quoteForMessage(e.name())
                    + " was already added; names must be unique");
        }
        entries.put(e.name(), e);
        return this;
    }

    private static void requireCount(String name, int length, int[] shape) {
        int n = Shape.size(shape);
        if (n != length) {
            throw new IllegalArgumentException("SafeTensorsWriter: tensor " + Json.quoteForMessage(name) + " of shape "
                    + Shape.str(shape) + " needs " + n + " values, got " + length);
        }
    }

    private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }
}
